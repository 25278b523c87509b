package oracle

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// fewNodes is up to how many known instances a state-only poll reads one
// by one (GetInstance) rather than listing the compartment.
const fewNodes = 4

// DescribeNodes answers the host's polls and reconcile; kit/describe
// fills in not_found for asked nodes OCI lacks.
func (p *Provider) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	c, cat, err := p.open(ctx, req.Env)
	if err != nil {
		return nil, err
	}
	ans := describe.New(req)
	if req.StateOnly && !req.AllOfController && allKnown(req.Nodes) && len(req.Nodes) <= fewNodes {
		err = p.statesByID(ctx, c, req.Nodes, ans)
	} else {
		err = p.everyInstance(ctx, c, cat, req, ans)
	}
	if err != nil {
		return nil, err
	}
	return ans.Nodes(), nil
}

// allKnown: every node has its instance's OCID (a create whose answer was
// lost has none, and is found by tag instead).
func allKnown(nodes []provider.NodeRef) bool {
	for _, n := range nodes {
		if n.CloudInstanceID == "" {
			return false
		}
	}
	return true
}

// statesByID reads a few instances' states at once, one GetInstance each.
func (p *Provider) statesByID(ctx context.Context, c *client, nodes []provider.NodeRef, ans *describe.Answer) error {
	errs := make([]error, len(nodes))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Compute.GetInstance(ctx, core.GetInstanceRequest{InstanceId: common.String(n.CloudInstanceID)})
			switch {
			case isStatus(err, 404): // gone: describe fills in not_found
			case err != nil:
				errs[i] = cloudErr("read instance "+n.CloudInstanceID, err)
			default:
				st := p.statusOf(res.Instance, "")
				st.NodeID, st.Tags = n.NodeID, nil
				mu.Lock()
				ans.Add(st)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// everyInstance lists the controller's instances by tag: the asked ones
// are among them, and the others are what reconcile looks for. Unless
// the host asks for states only, each live instance's address is read
// from its VNIC (once: addresses are cached).
func (p *Provider) everyInstance(ctx context.Context, c *client, cat *catalog, req provider.DescribeRequest, ans *describe.Answer) error {
	asked := map[string]bool{}
	for _, n := range req.Nodes {
		asked[n.NodeID] = true
	}
	list, err := listInstances(ctx, c, cat, "", func(in core.Instance) bool {
		return tags.Owned(in.FreeformTags, req.Env.ControllerID) && (req.AllOfController || asked[tags.NodeID(in.FreeformTags)])
	})
	if err != nil {
		return err
	}
	out := make([]provider.NodeStatus, len(list))
	if req.StateOnly {
		for i, in := range list {
			out[i] = p.statusOf(in, "")
		}
	} else {
		if err := p.withAddresses(ctx, c, cat, list, out); err != nil {
			return err
		}
		if mayHaveDisks(req) {
			if err := withDisks(ctx, c, cat, out); err != nil {
				return err
			}
		}
	}
	// OCI lists a terminated instance for a while, and a node may have had
	// one before its live one: the live one wins.
	for _, st := range out {
		if st.State != provider.InstanceNotFound {
			ans.Add(st)
		}
	}
	return nil
}

// withAddresses reports instances with their addresses: the cached ones,
// and the others read from one ListVnicAttachments of the compartment and
// a GetVnic each, at most 8 at a time.
func (p *Provider) withAddresses(ctx context.Context, c *client, cat *catalog, list []core.Instance, out []provider.NodeStatus) error {
	var need []int
	for i, in := range list {
		out[i] = p.statusOf(in, p.addresses.get(deref(in.Id)))
		if out[i].CloudInstanceAddress == "" && live(in.LifecycleState) {
			need = append(need, i)
		}
	}
	if len(need) == 0 {
		return nil
	}
	vnics := map[string]string{} // instance → VNIC
	if len(need) == 1 {
		addr, err := p.address(ctx, c, cat, out[need[0]].CloudInstanceID)
		out[need[0]].CloudInstanceAddress = addr
		return err
	}
	req := core.ListVnicAttachmentsRequest{CompartmentId: &cat.Compartment, AvailabilityDomain: &cat.AD, Limit: common.Int(1000)}
	for {
		res, err := c.Compute.ListVnicAttachments(ctx, req)
		if err != nil {
			return cloudErr("list the compartment's VNIC attachments", err)
		}
		for _, a := range res.Items {
			if a.LifecycleState == core.VnicAttachmentLifecycleStateAttached && a.InstanceId != nil && a.VnicId != nil {
				vnics[*a.InstanceId] = *a.VnicId
			}
		}
		if res.OpcNextPage == nil {
			break
		}
		req.Page = res.OpcNextPage
	}
	sem := make(chan struct{}, 8)
	errs := make([]error, len(need))
	var wg sync.WaitGroup
	for j, i := range need {
		v, ok := vnics[out[i].CloudInstanceID]
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i].CloudInstanceAddress, errs[j] = p.vnicAddress(ctx, c, out[i].CloudInstanceID, v)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func live(s core.InstanceLifecycleStateEnum) bool {
	return s != core.InstanceLifecycleStateTerminated && s != core.InstanceLifecycleStateTerminating
}

// withDisks adds the volumes attached to the live instances, with their
// devices.
func withDisks(ctx context.Context, c *client, cat *catalog, out []provider.NodeStatus) error {
	var ids []string
	for _, st := range out {
		if st.State != provider.InstanceNotFound && st.State != provider.InstanceTerminating {
			ids = append(ids, st.CloudInstanceID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	disks, err := attachedDisks(ctx, c, cat, ids)
	if err != nil {
		return err
	}
	for i := range out {
		out[i].AttachedDisks = disks[out[i].CloudInstanceID]
	}
	return nil
}

// mayHaveDisks: the described nodes may have disks attached, unless the
// host describes nodes of a unit whose spec names none (a node's full
// describe once it runs: a call fewer for most nodes).
func mayHaveDisks(req provider.DescribeRequest) bool {
	var sp struct {
		Disks []string `json:"disks"`
	}
	if req.AllOfController || len(req.Spec) == 0 || json.Unmarshal(req.Spec, &sp) != nil {
		return true
	}
	return len(sp.Disks) > 0
}
