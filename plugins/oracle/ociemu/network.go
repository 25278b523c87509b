package ociemu

import (
	"net/http"
	"net/netip"
	"time"
)

// Subnet is a subnet as OCI's API shows it.
type Subnet struct {
	ID              string    `json:"id"`
	CompartmentID   string    `json:"compartmentId"`
	VcnID           string    `json:"vcnId"`
	CidrBlock       string    `json:"cidrBlock"`
	DisplayName     string    `json:"displayName"`
	LifecycleState  string    `json:"lifecycleState"`
	VirtualRouterIP string    `json:"virtualRouterIp"`
	TimeCreated     time.Time `json:"timeCreated"`
}

type subnet struct {
	Subnet
	prefix netip.Prefix
}

// Vnic is a VNIC as OCI's API shows it: the instance's private address
// lives here, not on the instance.
type Vnic struct {
	ID                 string            `json:"id"`
	CompartmentID      string            `json:"compartmentId"`
	AvailabilityDomain string            `json:"availabilityDomain"`
	SubnetID           string            `json:"subnetId"`
	PrivateIP          string            `json:"privateIp"`
	IsPrimary          bool              `json:"isPrimary"`
	DisplayName        string            `json:"displayName"`
	LifecycleState     string            `json:"lifecycleState"`
	FreeformTags       map[string]string `json:"freeformTags"`
	TimeCreated        time.Time         `json:"timeCreated"`
}

type vnic = Vnic

// VnicAttachment ties a VNIC to an instance.
type VnicAttachment struct {
	ID                 string    `json:"id"`
	CompartmentID      string    `json:"compartmentId"`
	AvailabilityDomain string    `json:"availabilityDomain"`
	InstanceID         string    `json:"instanceId"`
	SubnetID           string    `json:"subnetId"`
	VnicID             string    `json:"vnicId"`
	NicIndex           int       `json:"nicIndex"`
	LifecycleState     string    `json:"lifecycleState"`
	TimeCreated        time.Time `json:"timeCreated"`
}

type vnicAttachment = VnicAttachment

// AddSubnet makes a subnet of cidr in the tenancy's root compartment and
// returns its OCID.
func (s *Server) AddSubnet(cidr string) (string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "", err
	}
	p = p.Masked()
	id := s.ocid("subnet")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subnets[id] = &subnet{Subnet: Subnet{
		ID: id, CompartmentID: s.opt.Tenancy, VcnID: s.ocid("vcn"), CidrBlock: p.String(), DisplayName: "subnet-" + p.Addr().String(),
		LifecycleState: "AVAILABLE", VirtualRouterIP: p.Addr().Next().String(), TimeCreated: time.Now().UTC(),
	}, prefix: p}
	return id, nil
}

// allocateIPLocked takes the fixed IP asked for, or the subnet's next free
// address; OCI reserves the first two and the last of every subnet.
func (s *Server) allocateIPLocked(sub *subnet, want string) (string, error) {
	used := map[netip.Addr]bool{}
	for _, v := range s.vnics {
		if v.SubnetID == sub.ID && v.LifecycleState != "TERMINATED" {
			if a, err := netip.ParseAddr(v.PrivateIP); err == nil {
				used[a] = true
			}
		}
	}
	first := sub.prefix.Addr().Next().Next()
	if want != "" {
		a, err := netip.ParseAddr(want)
		switch {
		case err != nil || !sub.prefix.Contains(a) || a.Less(first) || !sub.prefix.Contains(a.Next()):
			return "", invalid("Private IP " + want + " is not a valid address of subnet " + sub.ID + " (" + sub.CidrBlock + ").")
		case used[a]:
			return "", apiError{http.StatusConflict, "Conflict", "The private IP address " + want + " is already in use in subnet " + sub.ID + "."}
		}
		return a.String(), nil
	}
	for a := first; sub.prefix.Contains(a.Next()); a = a.Next() {
		if !used[a] {
			return a.String(), nil
		}
	}
	return "", apiError{http.StatusConflict, "Conflict", "There are no free private IP addresses left in subnet " + sub.ID + "."}
}

func (s *Server) newVnicLocked(in *instance, sub *subnet, ip, name string, tags map[string]string, now time.Time) string {
	v := &vnic{
		ID: s.ocid("vnic"), CompartmentID: in.CompartmentID, AvailabilityDomain: in.AvailabilityDomain, SubnetID: sub.ID,
		PrivateIP: ip, IsPrimary: true, DisplayName: name, LifecycleState: "AVAILABLE", FreeformTags: orEmpty(tags), TimeCreated: now.UTC(),
	}
	if v.DisplayName == "" {
		v.DisplayName = in.DisplayName
	}
	s.vnics[v.ID] = v
	a := &vnicAttachment{
		ID: s.ocid("vnicattachment"), CompartmentID: in.CompartmentID, AvailabilityDomain: in.AvailabilityDomain,
		InstanceID: in.ID, SubnetID: sub.ID, VnicID: v.ID, LifecycleState: "ATTACHED", TimeCreated: now.UTC(),
	}
	s.attachments[a.ID] = a
	return v.ID
}

// detachAllLocked detaches and ends what a terminated instance had.
func (s *Server) detachAllLocked(instanceID string) {
	for _, a := range s.attachments {
		if a.InstanceID == instanceID {
			a.LifecycleState = "DETACHED"
			if v := s.vnics[a.VnicID]; v != nil {
				v.LifecycleState = "TERMINATED"
			}
		}
	}
	for _, a := range s.volAttach {
		if a.InstanceID == instanceID {
			a.LifecycleState = detached
		}
	}
}

func (s *Server) listVnicAttachments(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	comp := q.Get("compartmentId")
	if comp == "" {
		return 0, nil, missing("compartmentId")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.compartment[comp] {
		return 0, nil, notFound()
	}
	var out []VnicAttachment
	for _, id := range append([]string(nil), s.order...) {
		in := s.currentLocked(id)
		if in == nil || !matches(q.Get("instanceId"), id) {
			continue
		}
		for _, a := range s.attachments {
			if a.InstanceID == id && a.CompartmentID == comp && matches(q.Get("vnicId"), a.VnicID) {
				out = append(out, *a)
			}
		}
	}
	return page(r, out)
}

func (s *Server) getVnic(r *http.Request, _ []byte) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.vnics[r.PathValue("id")]
	if v == nil {
		return 0, nil, notFound()
	}
	return http.StatusOK, etagged{*v, v.ID}, nil
}

func (s *Server) getSubnet(r *http.Request, _ []byte) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subnets[r.PathValue("id")]
	if sub == nil {
		return 0, nil, notFound()
	}
	return http.StatusOK, etagged{sub.Subnet, sub.ID}, nil
}

// PrivateIP is a private address as ListPrivateIps shows it.
type PrivateIP struct {
	ID        string `json:"id"`
	IPAddress string `json:"ipAddress"`
	SubnetID  string `json:"subnetId"`
	VnicID    string `json:"vnicId"`
	IsPrimary bool   `json:"isPrimary"`
}

// listPrivateIps answers by subnet (and address) or by VNIC.
func (s *Server) listPrivateIps(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	if q.Get("subnetId") == "" && q.Get("vnicId") == "" {
		return 0, nil, missing("subnetId or vnicId")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := q.Get("subnetId"); id != "" && s.subnets[id] == nil {
		return 0, nil, notFound()
	}
	out := []PrivateIP{}
	for _, v := range s.vnics {
		if v.LifecycleState == "TERMINATED" || !matches(q.Get("subnetId"), v.SubnetID) ||
			!matches(q.Get("vnicId"), v.ID) || !matches(q.Get("ipAddress"), v.PrivateIP) {
			continue
		}
		out = append(out, PrivateIP{ID: "ocid1.privateip.oc1." + s.opt.Region + "." + v.ID[len(v.ID)-20:], IPAddress: v.PrivateIP,
			SubnetID: v.SubnetID, VnicID: v.ID, IsPrimary: true})
	}
	return page(r, out)
}
