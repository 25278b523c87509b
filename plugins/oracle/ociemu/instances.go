package ociemu

import (
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"time"
)

// Instance lifecycle states, as OCI names them.
const (
	Provisioning = "PROVISIONING"
	Running      = "RUNNING"
	Starting     = "STARTING"
	Stopping     = "STOPPING"
	Stopped      = "STOPPED"
	Terminating  = "TERMINATING"
	Terminated   = "TERMINATED"
)

// Instance is an instance as OCI's API shows it.
type Instance struct {
	ID                        string            `json:"id"`
	CompartmentID             string            `json:"compartmentId"`
	AvailabilityDomain        string            `json:"availabilityDomain"`
	FaultDomain               string            `json:"faultDomain"`
	Region                    string            `json:"region"`
	DisplayName               string            `json:"displayName"`
	LifecycleState            string            `json:"lifecycleState"`
	Shape                     string            `json:"shape"`
	ShapeConfig               *ShapeConfig      `json:"shapeConfig,omitempty"`
	ImageID                   string            `json:"imageId,omitempty"`
	SourceDetails             *SourceDetails    `json:"sourceDetails,omitempty"`
	Metadata                  map[string]string `json:"metadata,omitempty"`
	FreeformTags              map[string]string `json:"freeformTags"`
	DefinedTags               map[string]any    `json:"definedTags"`
	PreemptibleInstanceConfig *Preemptible      `json:"preemptibleInstanceConfig,omitempty"`
	TimeCreated               time.Time         `json:"timeCreated"`
}

// ShapeConfig is a flexible shape's size.
type ShapeConfig struct {
	Ocpus       float32 `json:"ocpus,omitempty"`
	MemoryInGBs float32 `json:"memoryInGBs,omitempty"`
}

// SourceDetails is what an instance boots from (sourceType "image").
type SourceDetails struct {
	SourceType          string `json:"sourceType"`
	ImageID             string `json:"imageId,omitempty"`
	BootVolumeSizeInGBs int64  `json:"bootVolumeSizeInGBs,omitempty"`
}

// Preemptible is preemptibleInstanceConfig.
type Preemptible struct {
	PreemptionAction struct {
		Type               string `json:"type"`
		PreserveBootVolume bool   `json:"preserveBootVolume"`
	} `json:"preemptionAction"`
}

// instance is an Instance with the emulator's bookkeeping.
type instance struct {
	Instance
	next      []string  // states still to come, one per delay
	changed   time.Time // when LifecycleState last changed
	preempted bool
	vnicID    string
}

type launchDetails struct {
	AvailabilityDomain string            `json:"availabilityDomain"`
	CompartmentID      string            `json:"compartmentId"`
	Shape              string            `json:"shape"`
	ShapeConfig        *ShapeConfig      `json:"shapeConfig"`
	DisplayName        string            `json:"displayName"`
	FreeformTags       map[string]string `json:"freeformTags"`
	Metadata           map[string]string `json:"metadata"`
	ImageID            string            `json:"imageId"`
	SubnetID           string            `json:"subnetId"`
	SourceDetails      *SourceDetails    `json:"sourceDetails"`
	CreateVnicDetails  *struct {
		SubnetID     string            `json:"subnetId"`
		PrivateIP    string            `json:"privateIp"`
		DisplayName  string            `json:"displayName"`
		FreeformTags map[string]string `json:"freeformTags"`
	} `json:"createVnicDetails"`
	PreemptibleInstanceConfig *Preemptible `json:"preemptibleInstanceConfig"`
	LaunchVolumeAttachments   []struct {
		Type        string `json:"type"`
		VolumeID    string `json:"volumeId"`
		DisplayName string `json:"displayName"`
		Device      string `json:"device"`
		IsReadOnly  bool   `json:"isReadOnly"`
	} `json:"launchVolumeAttachments"`
}

// retryToken remembers what a LaunchInstance with an opc-retry-token made,
// for 24 hours as OCI does.
type retryToken struct {
	body       [32]byte
	instanceID string
	at         time.Time
}

const retryTokenLife = 24 * time.Hour

func (s *Server) launchInstance(r *http.Request, body []byte) (int, any, error) {
	var d launchDetails
	if err := json.Unmarshal(body, &d); err != nil {
		return 0, nil, invalid("The request body is not valid JSON: " + err.Error())
	}
	token := r.Header.Get("opc-retry-token")
	sum := sha256.Sum256(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if t, ok := s.tokens[token]; token != "" && ok && now.Sub(t.at) < retryTokenLife {
		if t.body != sum {
			return 0, nil, apiError{http.StatusConflict, "Conflict", "The retry token " + token + " was used for a different request within the last 24 hours."}
		}
		in := s.currentLocked(t.instanceID)
		if in == nil { // purged since: OCI rejects the token
			return 0, nil, apiError{http.StatusConflict, "InvalidatedRetryToken",
				"The retry token " + token + " was used for an instance that has since been purged."}
		}
		return http.StatusOK, etagged{in.Instance, in.ID}, nil
	}
	in, err := s.newInstanceLocked(d, now)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		s.tokens[token] = retryToken{body: sum, instanceID: in.ID, at: now}
	}
	return http.StatusOK, etagged{in.Instance, in.ID}, nil
}

// newInstanceLocked checks a launch as OCI does and makes the instance,
// its primary VNIC and the VNIC's attachment.
func (s *Server) newInstanceLocked(d launchDetails, now time.Time) (*instance, error) {
	if err := s.checkLaunchLocked(&d); err != nil {
		return nil, err
	}
	vd := d.CreateVnicDetails
	sub := s.subnets[vd.SubnetID]
	ip, err := s.allocateIPLocked(sub, vd.PrivateIP)
	if err != nil {
		return nil, err
	}
	in := &instance{Instance: Instance{
		ID: s.ocid("instance"), CompartmentID: d.CompartmentID, AvailabilityDomain: d.AvailabilityDomain,
		FaultDomain: "FAULT-DOMAIN-1", Region: s.opt.Region, DisplayName: d.DisplayName, LifecycleState: Provisioning,
		Shape: d.Shape, ImageID: d.SourceDetails.ImageID, SourceDetails: d.SourceDetails, Metadata: d.Metadata,
		FreeformTags: orEmpty(d.FreeformTags), DefinedTags: map[string]any{}, PreemptibleInstanceConfig: d.PreemptibleInstanceConfig,
		TimeCreated: now.UTC(),
	}, next: []string{Running}, changed: now}
	in.ShapeConfig = shapeConfigOf(d.Shape, d.ShapeConfig)
	if in.DisplayName == "" {
		in.DisplayName = "instance" + now.UTC().Format("20060102150405")
	}
	if in.SourceDetails.BootVolumeSizeInGBs == 0 {
		in.SourceDetails.BootVolumeSizeInGBs = 47
	}
	in.vnicID = s.newVnicLocked(in, sub, ip, vd.DisplayName, vd.FreeformTags, now)
	for _, va := range d.LaunchVolumeAttachments { // attached as the instance provisions
		s.newAttachmentLocked(in, va.Type, va.VolumeID, va.DisplayName, va.Device, va.IsReadOnly)
	}
	s.instances[in.ID] = in
	s.order = append(s.order, in.ID)
	if m := s.opt.Machines; m != nil {
		userData, id := d.Metadata["user_data"], in.ID
		go func() { _ = m.Boot(id, ip, userData) }()
	}
	return in, nil
}

func (s *Server) checkLaunchLocked(d *launchDetails) error {
	switch {
	case d.CompartmentID == "":
		return missing("compartmentId")
	case d.AvailabilityDomain == "":
		return missing("availabilityDomain")
	case d.Shape == "":
		return missing("shape")
	case !s.compartment[d.CompartmentID]:
		return relatedNotFound("compartment " + d.CompartmentID)
	case !contains(s.opt.ADs, d.AvailabilityDomain):
		return invalid("Invalid availabilityDomain: " + d.AvailabilityDomain + ".")
	}
	if d.SourceDetails == nil && d.ImageID != "" {
		d.SourceDetails = &SourceDetails{SourceType: "image", ImageID: d.ImageID}
	}
	if d.SourceDetails == nil {
		return missing("sourceDetails")
	}
	if d.SourceDetails.SourceType != "image" {
		return invalid("sourceDetails.sourceType must be image or bootVolume; this emulator knows image only.")
	}
	if img := s.images[d.SourceDetails.ImageID]; img == nil {
		return relatedNotFound("image " + d.SourceDetails.ImageID)
	}
	if b := d.SourceDetails.BootVolumeSizeInGBs; b != 0 && (b < 50 || b > 32768) {
		return invalid("sourceDetails.bootVolumeSizeInGBs must be between 50 and 32768.")
	}
	if err := checkShape(d.Shape, d.ShapeConfig); err != nil {
		return err
	}
	if d.CreateVnicDetails == nil && d.SubnetID != "" {
		d.CreateVnicDetails = &struct {
			SubnetID     string            `json:"subnetId"`
			PrivateIP    string            `json:"privateIp"`
			DisplayName  string            `json:"displayName"`
			FreeformTags map[string]string `json:"freeformTags"`
		}{SubnetID: d.SubnetID}
	}
	if d.CreateVnicDetails == nil || d.CreateVnicDetails.SubnetID == "" {
		return missing("createVnicDetails.subnetId")
	}
	if s.subnets[d.CreateVnicDetails.SubnetID] == nil {
		return relatedNotFound("subnet " + d.CreateVnicDetails.SubnetID)
	}
	if p := d.PreemptibleInstanceConfig; p != nil && p.PreemptionAction.Type != "TERMINATE" {
		return invalid("preemptibleInstanceConfig.preemptionAction.type must be TERMINATE.")
	}
	devices := map[string]bool{}
	for _, va := range d.LaunchVolumeAttachments {
		if err := s.checkAttachableLocked(va.Type, va.VolumeID, d.AvailabilityDomain); err != nil {
			return err
		}
		if va.Device != "" && (devices[va.Device] || !contains(consistentDevices, va.Device)) {
			return invalid("Invalid device " + va.Device + " in launchVolumeAttachments: each needs its own device OCI offers, like /dev/oracleoci/oraclevdb.")
		}
		devices[va.Device] = true
	}
	if len(d.Metadata["user_data"]) > 32000 {
		return invalid("metadata.user_data must not be larger than 32000 bytes.")
	}
	if n := s.opt.InstanceLimit; n > 0 && s.liveInstancesLocked() >= n {
		return apiError{http.StatusBadRequest, "LimitExceeded", "You have reached your service limit in this Availability Domain for this resource. Please try launching the instance in a different Availability Domain or Region, or try using a different shape. If you have reached all Service limits, please contact Oracle support to request a limit increase."}
	}
	return nil
}

func (s *Server) liveInstancesLocked() int {
	n := 0
	for _, in := range s.instances {
		s.advanceLocked(in, time.Now())
		if in.LifecycleState != Terminated {
			n++
		}
	}
	return n
}

// advanceLocked moves an instance through the states it was set on, one
// per delay, and forgets it once it has been TERMINATED for Retain.
func (s *Server) advanceLocked(in *instance, now time.Time) {
	for len(in.next) > 0 {
		delay := s.opt.BootDelay
		if in.LifecycleState == Stopping || in.LifecycleState == Terminating {
			delay = s.opt.StopDelay
		}
		if now.Sub(in.changed) < delay {
			return
		}
		in.changed = in.changed.Add(delay)
		in.LifecycleState, in.next = in.next[0], in.next[1:]
		if in.LifecycleState == Terminated {
			s.detachAllLocked(in.ID)
		}
	}
}

// currentLocked returns an instance as it is now, or nil when there is
// none (or it has been TERMINATED so long that OCI forgot it).
func (s *Server) currentLocked(id string) *instance {
	in := s.instances[id]
	if in == nil {
		return nil
	}
	now := time.Now()
	s.advanceLocked(in, now)
	if in.LifecycleState == Terminated && now.Sub(in.changed) > s.opt.Retain {
		s.forgetLocked(in)
		return nil
	}
	return in
}

func (s *Server) forgetLocked(in *instance) {
	delete(s.instances, in.ID)
	for i, id := range s.order {
		if id == in.ID {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	for id, a := range s.attachments {
		if a.InstanceID == in.ID {
			delete(s.attachments, id)
			delete(s.vnics, a.VnicID)
		}
	}
	for id, a := range s.volAttach {
		if a.InstanceID == in.ID {
			delete(s.volAttach, id)
		}
	}
}

func (s *Server) getInstance(r *http.Request, _ []byte) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.currentLocked(r.PathValue("id"))
	if in == nil {
		return 0, nil, notFound()
	}
	return http.StatusOK, etagged{in.Instance, in.ID}, nil
}

func (s *Server) listInstances(r *http.Request, _ []byte) (int, any, error) {
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
	var out []Instance
	for _, id := range append([]string(nil), s.order...) {
		in := s.currentLocked(id)
		if in == nil || in.CompartmentID != comp ||
			!matches(q.Get("availabilityDomain"), in.AvailabilityDomain) || !matches(q.Get("displayName"), in.DisplayName) ||
			!matches(q.Get("lifecycleState"), in.LifecycleState) {
			continue
		}
		out = append(out, in.Instance)
	}
	return page(r, out)
}

// updateInstance changes the display name and freeform tags (all a
// preemptible instance allows is its name).
func (s *Server) updateInstance(r *http.Request, body []byte) (int, any, error) {
	var d struct {
		DisplayName  *string           `json:"displayName"`
		FreeformTags map[string]string `json:"freeformTags"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return 0, nil, invalid("The request body is not valid JSON: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.currentLocked(r.PathValue("id"))
	switch {
	case in == nil:
		return 0, nil, notFound()
	case in.LifecycleState == Terminating || in.LifecycleState == Terminated:
		return 0, nil, incorrectState("Instance " + in.ID + " is " + in.LifecycleState + ".")
	case in.PreemptibleInstanceConfig != nil && d.FreeformTags != nil:
		return 0, nil, invalid("Only the display name of a preemptible instance can be changed.")
	}
	if d.DisplayName != nil {
		in.DisplayName = *d.DisplayName
	}
	if d.FreeformTags != nil {
		in.FreeformTags = d.FreeformTags
	}
	return http.StatusOK, etagged{in.Instance, in.ID}, nil
}

func (s *Server) terminateInstance(r *http.Request, _ []byte) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.currentLocked(r.PathValue("id"))
	if in == nil || in.LifecycleState == Terminated {
		return 0, nil, notFound()
	}
	s.terminateLocked(in)
	return http.StatusNoContent, nil, nil
}

func (s *Server) terminateLocked(in *instance) {
	if in.LifecycleState == Terminating {
		return
	}
	in.LifecycleState, in.next, in.changed = Terminating, []string{Terminated}, time.Now()
	for _, a := range s.volAttach { // OCI detaches the volumes as it terminates
		if a.InstanceID == in.ID {
			s.detachLocked(s.advanceAttachmentLocked(a))
		}
	}
	if m := s.opt.Machines; m != nil {
		id := in.ID
		go func() { _ = m.Stop(id, true) }()
	}
}

// Preempt reclaims a preemptible instance as OCI does when it needs the
// capacity: the instance is terminated. It reports whether there was a
// live preemptible instance of that id.
func (s *Server) Preempt(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.currentLocked(id)
	if in == nil || in.PreemptibleInstanceConfig == nil || in.LifecycleState == Terminated || in.LifecycleState == Terminating {
		return false
	}
	in.preempted = true
	s.terminateLocked(in)
	return true
}

// Crash stops a running instance's machine as a power cut would: the
// instance is STOPPED at once, without the call of anyone (a VM that
// died). It reports whether there was a running instance of that id.
func (s *Server) Crash(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.currentLocked(id)
	if in == nil || in.LifecycleState != Running {
		return false
	}
	in.LifecycleState, in.next, in.changed = Stopped, nil, time.Now()
	s.machineStop(in.ID)
	return true
}

// Instances lists the instances the emulator holds now (TERMINATED ones
// until they are forgotten), for tests to check what a plugin left.
func (s *Server) Instances() []Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Instance
	for _, id := range append([]string(nil), s.order...) {
		if in := s.currentLocked(id); in != nil {
			out = append(out, in.Instance)
		}
	}
	return out
}

// Live lists the instances that are not TERMINATED.
func (s *Server) Live() []Instance {
	var out []Instance
	for _, in := range s.Instances() {
		if in.LifecycleState != Terminated {
			out = append(out, in)
		}
	}
	return out
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func matches(filter, v string) bool { return filter == "" || filter == v }

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}
