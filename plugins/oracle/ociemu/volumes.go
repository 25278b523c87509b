package ociemu

import (
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// Volume is a block volume as OCI's API shows it.
type Volume struct {
	ID                 string            `json:"id"`
	CompartmentID      string            `json:"compartmentId"`
	AvailabilityDomain string            `json:"availabilityDomain"`
	DisplayName        string            `json:"displayName"`
	LifecycleState     string            `json:"lifecycleState"`
	SizeInGBs          int64             `json:"sizeInGBs"`
	SizeInMBs          int64             `json:"sizeInMBs"`
	FreeformTags       map[string]string `json:"freeformTags"`
	VpusPerGB          int64             `json:"vpusPerGB"`
	SourceDetails      *VolumeSource     `json:"sourceDetails,omitempty"`
	TimeCreated        time.Time         `json:"timeCreated"`
}

// VolumeSource is what a volume was made from (type "volume": a clone).
type VolumeSource struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type volume struct {
	Volume
	changed time.Time
}

// VolumeAttachment ties a volume to an instance (attachmentType
// "paravirtualized").
type VolumeAttachment struct {
	AttachmentType     string `json:"attachmentType"`
	ID                 string `json:"id"`
	CompartmentID      string `json:"compartmentId"`
	AvailabilityDomain string `json:"availabilityDomain"`
	InstanceID         string `json:"instanceId"`
	VolumeID           string `json:"volumeId"`
	DisplayName        string `json:"displayName"`
	LifecycleState     string `json:"lifecycleState"`
	IsReadOnly         bool   `json:"isReadOnly"`
	// Device is the consistent device path (/dev/oracleoci/oraclevdb)
	// the attachment was given, if any.
	Device      string    `json:"device,omitempty"`
	TimeCreated time.Time `json:"timeCreated"`
}

// volumeAttachment is a VolumeAttachment going ATTACHING → ATTACHED and
// DETACHING → DETACHED, one delay each, as OCI's do.
type volumeAttachment struct {
	VolumeAttachment
	changed time.Time
}

// Volume attachment lifecycle states, as OCI names them.
const (
	attaching = "ATTACHING"
	attached  = "ATTACHED"
	detaching = "DETACHING"
	detached  = "DETACHED"
)

// advanceAttachmentLocked moves an attachment on by the time passed.
func (s *Server) advanceAttachmentLocked(a *volumeAttachment) *volumeAttachment {
	now := time.Now()
	switch {
	case a.LifecycleState == attaching && now.Sub(a.changed) >= s.opt.BootDelay:
		a.LifecycleState, a.changed = attached, a.changed.Add(s.opt.BootDelay)
	case a.LifecycleState == detaching && now.Sub(a.changed) >= s.opt.StopDelay:
		a.LifecycleState, a.changed = detached, a.changed.Add(s.opt.StopDelay)
	}
	return a
}

// newAttachmentLocked attaches a volume to an instance: ATTACHING now.
func (s *Server) newAttachmentLocked(in *instance, kind, volumeID, name, device string, readOnly bool) *volumeAttachment {
	now := time.Now()
	a := &volumeAttachment{VolumeAttachment: VolumeAttachment{AttachmentType: kind, ID: s.ocid("volumeattachment"), CompartmentID: in.CompartmentID,
		AvailabilityDomain: in.AvailabilityDomain, InstanceID: in.ID, VolumeID: volumeID, DisplayName: name,
		LifecycleState: attaching, IsReadOnly: readOnly, Device: device, TimeCreated: now.UTC()}, changed: now}
	s.volAttach[a.ID] = a
	return a
}

// detachLocked starts detaching an attachment (DETACHING, then DETACHED).
func (s *Server) detachLocked(a *volumeAttachment) {
	if a.LifecycleState == attaching || a.LifecycleState == attached {
		a.LifecycleState, a.changed = detaching, time.Now()
	}
}

// attachmentsLocked are the attachments as they are now, oldest first.
func (s *Server) attachmentsLocked() []*volumeAttachment {
	out := make([]*volumeAttachment, 0, len(s.volAttach))
	for _, a := range s.volAttach {
		out = append(out, s.advanceAttachmentLocked(a))
	}
	slices.SortFunc(out, func(a, b *volumeAttachment) int {
		return cmp.Or(a.TimeCreated.Compare(b.TimeCreated), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// consistentDevices are the device paths OCI offers paravirtualized and
// iSCSI attachments on images that support consistent device paths:
// /dev/oracleoci/oraclevdb to oraclevdz, then oraclevdaa to oraclevdaz
// (oraclevda is the boot volume).
var consistentDevices = func() []string {
	var out []string
	for c := 'b'; c <= 'z'; c++ {
		out = append(out, "/dev/oracleoci/oraclevd"+string(c))
	}
	for c := 'a'; c <= 'z'; c++ {
		out = append(out, "/dev/oracleoci/oraclevda"+string(c))
	}
	return out
}()

// checkDeviceLocked: a device asked for is one OCI offers and free on
// the instance.
func (s *Server) checkDeviceLocked(instanceID, device string) error {
	if device == "" {
		return nil
	}
	if !slices.Contains(consistentDevices, device) {
		return invalid("Invalid device " + device + ": use one ListInstanceDevices lists, like /dev/oracleoci/oraclevdb.")
	}
	for _, a := range s.attachmentsLocked() {
		if a.InstanceID == instanceID && a.Device == device && a.LifecycleState != detached {
			return apiError{http.StatusConflict, "Conflict", "Device " + device + " is already in use by volume attachment " + a.ID + "."}
		}
	}
	return nil
}

func (s *Server) volumeLocked(id string) *volume {
	v := s.volumes[id]
	if v == nil {
		return nil
	}
	now := time.Now()
	switch {
	case v.LifecycleState == "PROVISIONING" && now.Sub(v.changed) >= s.opt.BootDelay:
		v.LifecycleState, v.changed = "AVAILABLE", v.changed.Add(s.opt.BootDelay)
	case v.LifecycleState == "TERMINATING" && now.Sub(v.changed) >= s.opt.StopDelay:
		v.LifecycleState, v.changed = "TERMINATED", v.changed.Add(s.opt.StopDelay)
	}
	if v.LifecycleState == "TERMINATED" && now.Sub(v.changed) > s.opt.Retain {
		delete(s.volumes, id)
		return nil
	}
	return v
}

func (s *Server) createVolume(r *http.Request, body []byte) (int, any, error) {
	var d struct {
		AvailabilityDomain string            `json:"availabilityDomain"`
		CompartmentID      string            `json:"compartmentId"`
		DisplayName        string            `json:"displayName"`
		SizeInGBs          int64             `json:"sizeInGBs"`
		VpusPerGB          *int64            `json:"vpusPerGB"`
		FreeformTags       map[string]string `json:"freeformTags"`
		SourceDetails      *VolumeSource     `json:"sourceDetails"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return 0, nil, invalid("The request body is not valid JSON: " + err.Error())
	}
	token := r.Header.Get("opc-retry-token")
	sum := sha256.Sum256(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if t, ok := s.volTokens[token]; token != "" && ok && now.Sub(t.at) < retryTokenLife {
		if t.body != sum {
			return 0, nil, apiError{http.StatusConflict, "Conflict", "The retry token " + token + " was used for a different request within the last 24 hours."}
		}
		v := s.volumeLocked(t.instanceID)
		if v == nil {
			return 0, nil, apiError{http.StatusConflict, "InvalidatedRetryToken",
				"The retry token " + token + " was used for a volume that has since been purged."}
		}
		return http.StatusOK, etagged{v.Volume, v.ID}, nil
	}
	var src *volume
	switch {
	case d.CompartmentID == "":
		return 0, nil, missing("compartmentId")
	case !s.compartment[d.CompartmentID]:
		return 0, nil, relatedNotFound("compartment " + d.CompartmentID)
	case !contains(s.opt.ADs, d.AvailabilityDomain):
		return 0, nil, invalid("Invalid availabilityDomain: " + d.AvailabilityDomain + ".")
	case d.VpusPerGB != nil && (*d.VpusPerGB < 0 || *d.VpusPerGB > 120 || *d.VpusPerGB%10 != 0):
		return 0, nil, invalid("vpusPerGB must be 0, 10, 20 or 30 to 120 in multiples of 10.")
	case d.SourceDetails != nil:
		if d.SourceDetails.Type != "volume" {
			return 0, nil, invalid("sourceDetails.type must be volume, volumeBackup or blockVolumeReplica; this emulator knows volume only.")
		}
		if src = s.volumeLocked(d.SourceDetails.ID); src == nil || src.LifecycleState == "TERMINATED" {
			return 0, nil, relatedNotFound("volume " + d.SourceDetails.ID)
		}
		if src.AvailabilityDomain != d.AvailabilityDomain {
			return 0, nil, invalid("The source volume must be in the same availability domain as the new volume.")
		}
	}
	switch {
	case d.SizeInGBs == 0 && src != nil:
		d.SizeInGBs = src.SizeInGBs
	case d.SizeInGBs == 0:
		d.SizeInGBs = 1024
	case d.SizeInGBs < 50 || d.SizeInGBs > 32768:
		return 0, nil, invalid("sizeInGBs must be between 50 and 32768.")
	case src != nil && d.SizeInGBs < src.SizeInGBs:
		return 0, nil, invalid("sizeInGBs must be at least the source volume's size.")
	}
	vpus := int64(10)
	if d.VpusPerGB != nil {
		vpus = *d.VpusPerGB
	}
	v := &volume{Volume: Volume{ID: s.ocid("volume"), CompartmentID: d.CompartmentID, AvailabilityDomain: d.AvailabilityDomain,
		DisplayName: d.DisplayName, LifecycleState: "PROVISIONING", SizeInGBs: d.SizeInGBs, SizeInMBs: d.SizeInGBs * 1024,
		FreeformTags: orEmpty(d.FreeformTags), VpusPerGB: vpus, SourceDetails: d.SourceDetails, TimeCreated: now.UTC()}, changed: now}
	if v.DisplayName == "" {
		v.DisplayName = "volume" + now.UTC().Format("20060102150405")
	}
	s.volumes[v.ID] = v
	if token != "" {
		s.volTokens[token] = retryToken{body: sum, instanceID: v.ID, at: now}
	}
	return http.StatusOK, etagged{v.Volume, v.ID}, nil
}

// listVolumes lists a compartment's volumes, oldest first, filtered as
// OCI filters them (availability domain, display name, state).
func (s *Server) listVolumes(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Volume{}
	for id := range s.volumes {
		if v := s.volumeLocked(id); v != nil && matches(q.Get("compartmentId"), v.CompartmentID) && matches(q.Get("availabilityDomain"), v.AvailabilityDomain) &&
			matches(q.Get("displayName"), v.DisplayName) && matches(q.Get("lifecycleState"), v.LifecycleState) {
			out = append(out, v.Volume)
		}
	}
	slices.SortFunc(out, func(a, b Volume) int { return cmp.Or(a.TimeCreated.Compare(b.TimeCreated), cmp.Compare(a.ID, b.ID)) })
	return page(r, out)
}

func (s *Server) getVolume(r *http.Request, _ []byte) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.volumeLocked(r.PathValue("id"))
	if v == nil {
		return 0, nil, notFound()
	}
	return http.StatusOK, etagged{v.Volume, v.ID}, nil
}

func (s *Server) deleteVolume(r *http.Request, _ []byte) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.volumeLocked(r.PathValue("id"))
	if v == nil || v.LifecycleState == "TERMINATED" {
		return 0, nil, notFound()
	}
	for _, a := range s.attachmentsLocked() {
		if a.VolumeID == v.ID && a.LifecycleState != detached {
			return 0, nil, apiError{http.StatusConflict, "Conflict", "Volume " + v.ID + " is attached to instance " + a.InstanceID + " (" + a.LifecycleState + "): detach it first."}
		}
	}
	if v.LifecycleState != "TERMINATING" {
		v.LifecycleState, v.changed = "TERMINATING", time.Now()
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) attachVolume(_ *http.Request, body []byte) (int, any, error) {
	var d struct {
		Type        string `json:"type"`
		InstanceID  string `json:"instanceId"`
		VolumeID    string `json:"volumeId"`
		DisplayName string `json:"displayName"`
		Device      string `json:"device"`
		IsReadOnly  bool   `json:"isReadOnly"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return 0, nil, invalid("The request body is not valid JSON: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.currentLocked(d.InstanceID)
	switch {
	case in == nil:
		return 0, nil, relatedNotFound("instance " + d.InstanceID)
	case in.LifecycleState == Terminating || in.LifecycleState == Terminated:
		return 0, nil, incorrectState("Instance " + in.ID + " is " + in.LifecycleState + ".")
	}
	if err := s.checkAttachableLocked(d.Type, d.VolumeID, in.AvailabilityDomain); err != nil {
		return 0, nil, err
	}
	if err := s.checkDeviceLocked(in.ID, d.Device); err != nil {
		return 0, nil, err
	}
	a := s.newAttachmentLocked(in, d.Type, d.VolumeID, d.DisplayName, d.Device, d.IsReadOnly)
	return http.StatusOK, etagged{a.VolumeAttachment, a.ID}, nil
}

func (s *Server) listVolumeAttachments(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	if q.Get("compartmentId") == "" {
		return 0, nil, missing("compartmentId")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []VolumeAttachment{}
	for _, a := range s.attachmentsLocked() {
		if matches(q.Get("compartmentId"), a.CompartmentID) && matches(q.Get("availabilityDomain"), a.AvailabilityDomain) &&
			matches(q.Get("instanceId"), a.InstanceID) && matches(q.Get("volumeId"), a.VolumeID) {
			out = append(out, a.VolumeAttachment)
		}
	}
	return page(r, out)
}

func (s *Server) getVolumeAttachment(r *http.Request, _ []byte) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.volAttach[r.PathValue("id")]
	if a == nil {
		return 0, nil, notFound()
	}
	s.advanceAttachmentLocked(a)
	return http.StatusOK, etagged{a.VolumeAttachment, a.ID}, nil
}

// detachVolume starts a detach: DETACHING, then DETACHED. OCI refuses
// one while the attachment is still ATTACHING or already DETACHING.
func (s *Server) detachVolume(r *http.Request, _ []byte) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.volAttach[r.PathValue("id")]
	if a == nil {
		return 0, nil, notFound()
	}
	switch s.advanceAttachmentLocked(a); a.LifecycleState {
	case detached:
		return 0, nil, notFound()
	case attaching, detaching:
		return 0, nil, incorrectState("Volume attachment " + a.ID + " is " + a.LifecycleState + ".")
	}
	s.detachLocked(a)
	return http.StatusNoContent, nil, nil
}

// AddVolume makes an AVAILABLE volume of size GB in the first AD, for
// tests that attach disks; it returns its OCID.
func (s *Server) AddVolume(sizeGB int64) string { return s.AddVolumeIn(s.opt.ADs[0], sizeGB) }

// AddVolumeIn is AddVolume in availability domain ad.
func (s *Server) AddVolumeIn(ad string, sizeGB int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := &volume{Volume: Volume{ID: s.ocid("volume"), CompartmentID: s.opt.Tenancy, AvailabilityDomain: ad, VpusPerGB: 10,
		LifecycleState: "AVAILABLE", SizeInGBs: sizeGB, SizeInMBs: sizeGB * 1024, FreeformTags: map[string]string{},
		TimeCreated: time.Now().UTC()}, changed: time.Now()}
	s.volumes[v.ID] = v
	return v.ID
}

// VolumeAttachments lists the attachments that are not DETACHED
// (ATTACHING, ATTACHED, DETACHING).
func (s *Server) VolumeAttachments() []VolumeAttachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []VolumeAttachment
	for _, a := range s.attachmentsLocked() {
		if a.LifecycleState != detached {
			out = append(out, a.VolumeAttachment)
		}
	}
	return out
}

// Volumes lists the volumes the emulator holds (TERMINATED ones until
// they are forgotten), oldest first, for tests to check what a plugin
// left.
func (s *Server) Volumes() []Volume {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Volume
	for id := range s.volumes {
		if v := s.volumeLocked(id); v != nil {
			out = append(out, v.Volume)
		}
	}
	slices.SortFunc(out, func(a, b Volume) int { return cmp.Or(a.TimeCreated.Compare(b.TimeCreated), cmp.Compare(a.ID, b.ID)) })
	return out
}

// checkAttachableLocked: the volume exists, is AVAILABLE, in the
// instance's AD, and attached nowhere.
func (s *Server) checkAttachableLocked(kind, volumeID, ad string) error {
	v := s.volumeLocked(volumeID)
	switch {
	case kind == "":
		return missing("type")
	case v == nil:
		return relatedNotFound("volume " + volumeID)
	case v.LifecycleState != "AVAILABLE":
		return incorrectState("Volume " + v.ID + " is " + v.LifecycleState + ".")
	case ad != v.AvailabilityDomain:
		return invalid("Volume and instance must be in the same availability domain.")
	}
	for _, a := range s.attachmentsLocked() {
		if a.VolumeID == v.ID && a.LifecycleState != detached {
			return apiError{http.StatusConflict, "Conflict", "Volume " + v.ID + " is already attached to instance " + a.InstanceID + "."}
		}
	}
	return nil
}
