package ociemu

import (
	"encoding/json"
	"net/http"
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
	TimeCreated        time.Time         `json:"timeCreated"`
}

type volume struct {
	Volume
	changed time.Time
}

// VolumeAttachment ties a volume to an instance (attachmentType
// "paravirtualized").
type VolumeAttachment struct {
	AttachmentType     string    `json:"attachmentType"`
	ID                 string    `json:"id"`
	CompartmentID      string    `json:"compartmentId"`
	AvailabilityDomain string    `json:"availabilityDomain"`
	InstanceID         string    `json:"instanceId"`
	VolumeID           string    `json:"volumeId"`
	DisplayName        string    `json:"displayName"`
	LifecycleState     string    `json:"lifecycleState"`
	IsReadOnly         bool      `json:"isReadOnly"`
	TimeCreated        time.Time `json:"timeCreated"`
}

type volumeAttachment = VolumeAttachment

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

func (s *Server) createVolume(_ *http.Request, body []byte) (int, any, error) {
	var d struct {
		AvailabilityDomain string            `json:"availabilityDomain"`
		CompartmentID      string            `json:"compartmentId"`
		DisplayName        string            `json:"displayName"`
		SizeInGBs          int64             `json:"sizeInGBs"`
		FreeformTags       map[string]string `json:"freeformTags"`
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return 0, nil, invalid("The request body is not valid JSON: " + err.Error())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case d.CompartmentID == "":
		return 0, nil, missing("compartmentId")
	case !s.compartment[d.CompartmentID]:
		return 0, nil, relatedNotFound("compartment " + d.CompartmentID)
	case !contains(s.opt.ADs, d.AvailabilityDomain):
		return 0, nil, invalid("Invalid availabilityDomain: " + d.AvailabilityDomain + ".")
	case d.SizeInGBs == 0:
		d.SizeInGBs = 1024
	case d.SizeInGBs < 50 || d.SizeInGBs > 32768:
		return 0, nil, invalid("sizeInGBs must be between 50 and 32768.")
	}
	now := time.Now()
	v := &volume{Volume: Volume{ID: s.ocid("volume"), CompartmentID: d.CompartmentID, AvailabilityDomain: d.AvailabilityDomain,
		DisplayName: d.DisplayName, LifecycleState: "PROVISIONING", SizeInGBs: d.SizeInGBs, SizeInMBs: d.SizeInGBs * 1024,
		FreeformTags: orEmpty(d.FreeformTags), TimeCreated: now.UTC()}, changed: now}
	s.volumes[v.ID] = v
	return http.StatusOK, etagged{v.Volume, v.ID}, nil
}

func (s *Server) listVolumes(r *http.Request, _ []byte) (int, any, error) {
	comp := r.URL.Query().Get("compartmentId")
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Volume{}
	for id := range s.volumes {
		if v := s.volumeLocked(id); v != nil && matches(comp, v.CompartmentID) {
			out = append(out, v.Volume)
		}
	}
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
	for _, a := range s.volAttach {
		if a.VolumeID == v.ID && a.LifecycleState == "ATTACHED" {
			return 0, nil, incorrectState("Volume " + v.ID + " is attached to instance " + a.InstanceID + ".")
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
	v := s.volumes[d.VolumeID]
	a := &volumeAttachment{AttachmentType: d.Type, ID: s.ocid("volumeattachment"), CompartmentID: in.CompartmentID,
		AvailabilityDomain: in.AvailabilityDomain, InstanceID: in.ID, VolumeID: v.ID, DisplayName: d.DisplayName,
		LifecycleState: "ATTACHED", IsReadOnly: d.IsReadOnly, TimeCreated: time.Now().UTC()}
	s.volAttach[a.ID] = a
	return http.StatusOK, etagged{*a, a.ID}, nil
}

func (s *Server) listVolumeAttachments(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	if q.Get("compartmentId") == "" {
		return 0, nil, missing("compartmentId")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []VolumeAttachment{}
	for _, a := range s.volAttach {
		if matches(q.Get("compartmentId"), a.CompartmentID) && matches(q.Get("instanceId"), a.InstanceID) && matches(q.Get("volumeId"), a.VolumeID) {
			out = append(out, *a)
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
	return http.StatusOK, etagged{*a, a.ID}, nil
}

func (s *Server) detachVolume(r *http.Request, _ []byte) (int, any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.volAttach[r.PathValue("id")]
	if a == nil || a.LifecycleState == "DETACHED" {
		return 0, nil, notFound()
	}
	a.LifecycleState = "DETACHED"
	return http.StatusNoContent, nil, nil
}

// AddVolume makes an AVAILABLE volume of size GB in the first AD, for
// tests that attach disks; it returns its OCID.
func (s *Server) AddVolume(sizeGB int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := &volume{Volume: Volume{ID: s.ocid("volume"), CompartmentID: s.opt.Tenancy, AvailabilityDomain: s.opt.ADs[0],
		LifecycleState: "AVAILABLE", SizeInGBs: sizeGB, SizeInMBs: sizeGB * 1024, FreeformTags: map[string]string{},
		TimeCreated: time.Now().UTC()}, changed: time.Now()}
	s.volumes[v.ID] = v
	return v.ID
}

// VolumeAttachments lists the attachments that are not DETACHED.
func (s *Server) VolumeAttachments() []VolumeAttachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []VolumeAttachment
	for _, a := range s.volAttach {
		if a.LifecycleState != "DETACHED" {
			out = append(out, *a)
		}
	}
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
	for _, a := range s.volAttach {
		if a.VolumeID == v.ID && a.LifecycleState != "DETACHED" {
			return apiError{http.StatusConflict, "Conflict", "Volume " + v.ID + " is already attached to instance " + a.InstanceID + "."}
		}
	}
	return nil
}
