package fakecloud

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Resource is what a test looks at of a server, disk or startup script
// in the store.
type Resource struct {
	Kind         string   `json:"kind"` // Server, Disk or Note
	Zone         string   `json:"zone"`
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Tags         []string `json:"tags,omitempty"`
	Status       string   `json:"status,omitempty"`       // a server's instance status: up, cleaning, down
	Availability string   `json:"availability,omitempty"` // available, migrating, ...
	IP           string   `json:"ip,omitempty"`           // a server's address on its first NIC
	SwitchID     string   `json:"switch_id,omitempty"`    // the switch of a server's first NIC
	HostName     string   `json:"host_name,omitempty"`
	ServerID     string   `json:"server_id,omitempty"` // a disk's server
	Content      string   `json:"content,omitempty"`   // a startup script's text
}

// Tagged reports whether r carries every tag of want.
func (r Resource) Tagged(want ...string) bool {
	for _, w := range want {
		if !slices.Contains(r.Tags, w) {
			return false
		}
	}
	return true
}

// Read lists the servers, disks and startup scripts of the store file at
// path, reading the file only: a test reads what the plugin process
// wrote without becoming a second writer. The fake rewrites its file in
// place, so a read that meets half a file tries again.
func Read(path string) ([]Resource, error) {
	var err error
	for range 50 {
		var raw []byte
		if raw, err = os.ReadFile(path); err == nil {
			var out []Resource
			if out, err = parse(raw); err == nil {
				return out, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, fmt.Errorf("read the fake store %s: %w", path, err)
}

// entry is one record of the fake's file: the resource's own fields by
// their Go names, with its kind, zone and id.
type entry struct {
	ResourceType   string
	ZoneName       string
	ID             string
	Name           string
	Tags           []string
	InstanceStatus string
	Availability   string
	HostName       string
	ServerID       idValue
	Content        string
	Interfaces     []struct {
		UserIPAddress string
		SwitchID      idValue
	}
}

func parse(raw []byte) ([]Resource, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("the store file is empty")
	}
	var entries []entry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("decode the store file: %w", err)
	}
	var out []Resource
	for _, e := range entries {
		switch e.ResourceType {
		case "Server", "Disk", "Note":
		default:
			continue
		}
		r := Resource{Kind: e.ResourceType, Zone: e.ZoneName, ID: e.ID, Name: e.Name, Tags: e.Tags, Status: e.InstanceStatus,
			Availability: e.Availability, HostName: e.HostName, ServerID: string(e.ServerID), Content: e.Content}
		if len(e.Interfaces) > 0 {
			r.IP, r.SwitchID = e.Interfaces[0].UserIPAddress, string(e.Interfaces[0].SwitchID)
		}
		if r.ServerID == "0" {
			r.ServerID = ""
		}
		out = append(out, r)
	}
	return out, nil
}

// idValue is an id the file holds as a number or a string.
type idValue string

func (v *idValue) UnmarshalJSON(b []byte) error {
	*v = idValue(strings.Trim(string(b), `"`))
	return nil
}
