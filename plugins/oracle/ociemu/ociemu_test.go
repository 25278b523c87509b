package ociemu_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/oracle/oci-go-sdk/v65/identity"
	"github.com/vccproject/vcc/plugins/oracle/ociemu"
)

// clients are the SDK's clients signed with key, pointed at url.
type clients struct {
	compute core.ComputeClient
	network core.VirtualNetworkClient
	ident   identity.IdentityClient
}

func sdk(t *testing.T, w *ociemu.World, url, user, fingerprint, key string) clients {
	t.Helper()
	cp := common.NewRawConfigurationProvider(w.Tenancy(), user, w.Region(), fingerprint, key, nil)
	c, err := core.NewComputeClientWithConfigurationProvider(cp)
	if err != nil {
		t.Fatal(err)
	}
	n, err := core.NewVirtualNetworkClientWithConfigurationProvider(cp)
	if err != nil {
		t.Fatal(err)
	}
	i, err := identity.NewIdentityClientWithConfigurationProvider(cp)
	if err != nil {
		t.Fatal(err)
	}
	c.Host, n.Host, i.Host = url, url, url
	return clients{c, n, i}
}

func launch(w *ociemu.World, ip, token string) core.LaunchInstanceRequest {
	return core.LaunchInstanceRequest{OpcRetryToken: common.String(token), LaunchInstanceDetails: core.LaunchInstanceDetails{
		AvailabilityDomain: common.String(w.ADs()[0]), CompartmentId: common.String(w.Tenancy()), Shape: common.String("VM.Standard.E2.1"),
		DisplayName: common.String("VCP-test"), FreeformTags: map[string]string{"vcc.node_id": "n1"},
		SourceDetails:     core.InstanceSourceViaImageDetails{ImageId: common.String(w.ImageID), BootVolumeSizeInGBs: common.Int64(50)},
		CreateVnicDetails: &core.CreateVnicDetails{SubnetId: common.String(w.SubnetID), PrivateIp: common.String(ip)},
		Metadata:          map[string]string{"user_data": "I2Nsb3VkLWNvbmZpZw=="},
	}}
}

func code(err error) (int, string) {
	var se common.ServiceError
	if errors.As(err, &se) {
		return se.GetHTTPStatusCode(), se.GetCode()
	}
	return 0, ""
}

func waitState(t *testing.T, c clients, id string, want core.InstanceLifecycleStateEnum) core.Instance {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := c.compute.GetInstance(context.Background(), core.GetInstanceRequest{InstanceId: common.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		if got.LifecycleState == want {
			return got.Instance
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s is %s, want %s", id, got.LifecycleState, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLifecycle drives the real SDK through launch (with a fixed IP on the
// VNIC), the asynchronous states, stop/start/reset and terminate.
func TestLifecycle(t *testing.T) {
	w, srv := ociemu.Start(t)
	c := sdk(t, w, srv.URL, w.UserOCID, w.Fingerprint, w.PrivateKey)
	ctx := context.Background()
	res, err := c.compute.LaunchInstance(ctx, launch(w, "10.0.1.20", "node-1"))
	if err != nil {
		t.Fatal(err)
	}
	if res.LifecycleState != core.InstanceLifecycleStateProvisioning || res.OpcRequestId == nil || *res.DisplayName != "VCP-test" {
		t.Fatalf("launch answered %+v", res.Instance)
	}
	id := *res.Id
	waitState(t, c, id, core.InstanceLifecycleStateRunning)
	att, err := c.compute.ListVnicAttachments(ctx, core.ListVnicAttachmentsRequest{CompartmentId: common.String(w.Tenancy()), InstanceId: &id})
	if err != nil || len(att.Items) != 1 {
		t.Fatalf("vnic attachments: %v %+v", err, att.Items)
	}
	vnic, err := c.network.GetVnic(ctx, core.GetVnicRequest{VnicId: att.Items[0].VnicId})
	if err != nil || *vnic.PrivateIp != "10.0.1.20" {
		t.Fatalf("vnic: %v %+v", err, vnic.Vnic)
	}
	for _, step := range []struct {
		action string
		want   core.InstanceLifecycleStateEnum
	}{{"STOP", core.InstanceLifecycleStateStopped}, {"START", core.InstanceLifecycleStateRunning}, {"SOFTRESET", core.InstanceLifecycleStateRunning}} {
		if _, err := c.compute.InstanceAction(ctx, core.InstanceActionRequest{InstanceId: &id, Action: core.InstanceActionActionEnum(step.action)}); err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
		waitState(t, c, id, step.want)
	}
	if _, err := c.compute.TerminateInstance(ctx, core.TerminateInstanceRequest{InstanceId: &id, PreserveBootVolume: common.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, id, core.InstanceLifecycleStateTerminated)
	if len(w.Live()) != 0 {
		t.Errorf("live after terminate: %+v", w.Live())
	}
	// The address is free again.
	if _, err := c.compute.LaunchInstance(ctx, launch(w, "10.0.1.20", "node-2")); err != nil {
		t.Errorf("relaunch on the freed address: %v", err)
	}
}

// TestSignatureChecked: a request signed with another key than the one
// registered for the user and fingerprint, or by an unknown user, is
// refused with 401 NotAuthenticated; so is a body changed after signing.
func TestSignatureChecked(t *testing.T) {
	w, srv := ociemu.Start(t)
	_, otherKey, err := ociemu.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, user, fingerprint, key string
		want                         int
	}{
		{"registered key", w.UserOCID, w.Fingerprint, w.PrivateKey, 200},
		{"wrong key", w.UserOCID, w.Fingerprint, otherKey, 401},
		{"wrong fingerprint", w.UserOCID, "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff", w.PrivateKey, 401},
		{"unknown user", "ocid1.user.oc1..nobody", w.Fingerprint, w.PrivateKey, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := sdk(t, w, srv.URL, tc.user, tc.fingerprint, tc.key)
			_, err := c.ident.ListAvailabilityDomains(context.Background(), identity.ListAvailabilityDomainsRequest{CompartmentId: common.String(w.Tenancy())})
			status, cd := code(err)
			if tc.want == 200 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if status != tc.want || cd != "NotAuthenticated" {
				t.Fatalf("got %d %q (%v), want %d NotAuthenticated", status, cd, err, tc.want)
			}
		})
	}
	t.Run("body changed after signing", func(t *testing.T) {
		c := sdk(t, w, srv.URL, w.UserOCID, w.Fingerprint, w.PrivateKey)
		c.compute.Interceptor = func(r *http.Request) error { return nil }
		req := launch(w, "", "tamper")
		hr, err := common.MakeDefaultHTTPRequestWithTaggedStruct(http.MethodPost, "/20160918/instances", req)
		if err != nil {
			t.Fatal(err)
		}
		hr.URL.Scheme, hr.URL.Host = "http", strings.TrimPrefix(srv.URL, "http://")
		hr.Host = hr.URL.Host
		if err := c.compute.Signer.Sign(&hr); err != nil {
			t.Fatal(err)
		}
		body := strings.NewReader(`{"compartmentId":"x"}`)
		hr.Body, hr.ContentLength = http.NoBody, int64(body.Len())
		hr.Body = readCloser{body}
		resp, err := http.DefaultClient.Do(&hr)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close() // nothing to read: the status is the answer
		if resp.StatusCode != 401 || resp.Header.Get("opc-request-id") == "" {
			t.Fatalf("tampered body: %d", resp.StatusCode)
		}
	})
	if n := w.Calls("ListAvailabilityDomains"); n != 1 {
		t.Errorf("%d ListAvailabilityDomains passed authentication, want 1", n)
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// TestRetryToken: the same opc-retry-token and request give the same
// instance; the token with another request is a 409.
func TestRetryToken(t *testing.T) {
	w, srv := ociemu.Start(t)
	c := sdk(t, w, srv.URL, w.UserOCID, w.Fingerprint, w.PrivateKey)
	ctx := context.Background()
	a, err := c.compute.LaunchInstance(ctx, launch(w, "10.0.1.30", "tok"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.compute.LaunchInstance(ctx, launch(w, "10.0.1.30", "tok"))
	if err != nil || *a.Id != *b.Id {
		t.Fatalf("repeat: %v %v vs %v", err, *a.Id, b.Id)
	}
	_, err = c.compute.LaunchInstance(ctx, launch(w, "10.0.1.31", "tok"))
	if s, cd := code(err); s != 409 || cd != "Conflict" {
		t.Fatalf("other request under the token: %d %q %v", s, cd, err)
	}
	// An answer lost after OCI launched: the retry under the token gets
	// the instance launched, not a second one.
	w.Fail("LaunchInstance"+ociemu.AnswerLost, 1, 504, "GatewayTimeout", "The gateway timed out.")
	if _, err := c.compute.LaunchInstance(ctx, launch(w, "10.0.1.32", "lost")); err == nil {
		t.Fatal("the lost answer was heard")
	}
	d, err := c.compute.LaunchInstance(ctx, launch(w, "10.0.1.32", "lost"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(w.Live()); n != 2 || *d.Id == *a.Id {
		t.Errorf("%d instances, want 2", n)
	}
}

// TestRefusals: OCI's checks and error shapes, as the SDK reads them.
func TestRefusals(t *testing.T) {
	w, srv := ociemu.Start(t, func(o *ociemu.Options) { o.InstanceLimit = 1 })
	c := sdk(t, w, srv.URL, w.UserOCID, w.Fingerprint, w.PrivateKey)
	ctx := context.Background()
	flexNoConfig := launch(w, "", "flex")
	flexNoConfig.Shape = common.String("VM.Standard.E4.Flex")
	fixedWithConfig := launch(w, "", "fixed")
	fixedWithConfig.ShapeConfig = &core.LaunchInstanceShapeConfigDetails{Ocpus: common.Float32(2)}
	outside := launch(w, "10.9.9.9", "outside")
	noImage := launch(w, "", "noimage")
	noImage.SourceDetails = core.InstanceSourceViaImageDetails{ImageId: common.String("ocid1.image.oc1..none")}
	cases := []struct {
		name   string
		req    core.LaunchInstanceRequest
		status int
		code   string
	}{
		{"flex without shape config", flexNoConfig, 400, "InvalidParameter"},
		{"fixed shape with config", fixedWithConfig, 400, "InvalidParameter"},
		{"address outside the subnet", outside, 400, "InvalidParameter"},
		{"unknown image", noImage, 400, "RelatedResourceNotAuthorizedOrNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.compute.LaunchInstance(ctx, tc.req)
			if s, cd := code(err); s != tc.status || cd != tc.code {
				t.Fatalf("got %d %q (%v), want %d %s", s, cd, err, tc.status, tc.code)
			}
		})
	}
	if _, err := c.compute.LaunchInstance(ctx, launch(w, "10.0.1.40", "one")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.compute.LaunchInstance(ctx, launch(w, "10.0.1.41", "two")); !strings.Contains(err.Error(), "LimitExceeded") {
		t.Fatalf("over the limit: %v", err)
	}
	w.Fail("LaunchInstance", 1, 500, "InternalError", "Out of host capacity.")
	_, err := c.compute.LaunchInstance(ctx, launch(w, "10.0.1.42", "three"))
	if s, cd := code(err); s != 500 || cd != "InternalError" || !strings.Contains(err.Error(), "Out of host capacity") {
		t.Fatalf("injected capacity error: %v", err)
	}
}

// TestPreempt: a preempted instance terminates; OCI does not power
// preemptible instances.
func TestPreempt(t *testing.T) {
	w, srv := ociemu.Start(t)
	c := sdk(t, w, srv.URL, w.UserOCID, w.Fingerprint, w.PrivateKey)
	ctx := context.Background()
	req := launch(w, "", "pre")
	req.PreemptibleInstanceConfig = &core.PreemptibleInstanceConfigDetails{PreemptionAction: core.TerminatePreemptionAction{PreserveBootVolume: common.Bool(false)}}
	res, err := c.compute.LaunchInstance(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	in := waitState(t, c, *res.Id, core.InstanceLifecycleStateRunning)
	if in.PreemptibleInstanceConfig == nil {
		t.Fatal("preemptibleInstanceConfig lost")
	}
	_, err = c.compute.InstanceAction(ctx, core.InstanceActionRequest{InstanceId: res.Id, Action: core.InstanceActionActionStop})
	if s, _ := code(err); s != 400 {
		t.Fatalf("stop of a preemptible instance: %v", err)
	}
	if !w.Preempt(*res.Id) {
		t.Fatal("not preempted")
	}
	waitState(t, c, *res.Id, core.InstanceLifecycleStateTerminated)
}

// TestImagesNewestFirst: a name lists its newest image first, Oracle's
// platform images included.
func TestImagesNewestFirst(t *testing.T) {
	w, srv := ociemu.Start(t)
	c := sdk(t, w, srv.URL, w.UserOCID, w.Fingerprint, w.PrivateKey)
	res, err := c.compute.ListImages(context.Background(), core.ListImagesRequest{CompartmentId: common.String(w.Tenancy()),
		DisplayName: common.String(ociemu.DefaultImage), SortBy: core.ListImagesSortByTimecreated, SortOrder: core.ListImagesSortOrderDesc})
	if err != nil || len(res.Items) != 2 || *res.Items[0].Id != w.ImageID {
		t.Fatalf("images: %v %+v", err, res.Items)
	}
}
