package providerplugin

import (
	"encoding/json"

	pb "github.com/vccproject/vcc/proto/internal/pb/providerv1"
	"github.com/vccproject/vcc/proto/provider"
)

// Conversions between the hand-written provider types and the generated
// ones. Unknown enum values from a newer peer map to zero values, so a v1.x
// host and plugin of different minors still talk.

var capToPB = map[provider.Capability]pb.Capability{
	provider.CapPower:            pb.Capability_CAPABILITY_POWER,
	provider.CapReboot:           pb.Capability_CAPABILITY_REBOOT,
	provider.CapSpot:             pb.Capability_CAPABILITY_SPOT,
	provider.CapFixedIP:          pb.Capability_CAPABILITY_FIXED_IP,
	provider.CapTags:             pb.Capability_CAPABILITY_TAGS,
	provider.CapAttachDisks:      pb.Capability_CAPABILITY_ATTACH_DISKS,
	provider.CapGPU:              pb.Capability_CAPABILITY_GPU,
	provider.CapListByController: pb.Capability_CAPABILITY_LIST_BY_CONTROLLER,
	provider.CapSimulator:        pb.Capability_CAPABILITY_SIMULATOR,
	provider.CapPreflight:        pb.Capability_CAPABILITY_PREFLIGHT,
	provider.CapBaseContainer:    pb.Capability_CAPABILITY_BASE_CONTAINER,
	provider.CapAsyncDelete:      pb.Capability_CAPABILITY_ASYNC_DELETE,
	provider.CapSSHLogin:         pb.Capability_CAPABILITY_SSH_LOGIN,
	provider.CapDisks:            pb.Capability_CAPABILITY_DISKS,
}

var typeToPB = map[provider.AttrType]pb.AttributeType{
	provider.TypeString:     pb.AttributeType_ATTRIBUTE_TYPE_STRING,
	provider.TypeInt:        pb.AttributeType_ATTRIBUTE_TYPE_INT,
	provider.TypeNumber:     pb.AttributeType_ATTRIBUTE_TYPE_NUMBER,
	provider.TypeBool:       pb.AttributeType_ATTRIBUTE_TYPE_BOOL,
	provider.TypeStringList: pb.AttributeType_ATTRIBUTE_TYPE_STRING_LIST,
	provider.TypeStringMap:  pb.AttributeType_ATTRIBUTE_TYPE_STRING_MAP,
}

var stateToPB = map[provider.InstanceState]pb.InstanceState{
	provider.InstancePending:     pb.InstanceState_INSTANCE_STATE_PENDING,
	provider.InstanceRunning:     pb.InstanceState_INSTANCE_STATE_RUNNING,
	provider.InstanceStopping:    pb.InstanceState_INSTANCE_STATE_STOPPING,
	provider.InstanceStopped:     pb.InstanceState_INSTANCE_STATE_STOPPED,
	provider.InstanceTerminating: pb.InstanceState_INSTANCE_STATE_TERMINATING,
	provider.InstanceNotFound:    pb.InstanceState_INSTANCE_STATE_NOT_FOUND,
	provider.InstanceError:       pb.InstanceState_INSTANCE_STATE_ERROR,
}

func invert[K, V comparable](m map[K]V) map[V]K {
	out := make(map[V]K, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

var (
	capFromPB   = invert(capToPB)
	typeFromPB  = invert(typeToPB)
	stateFromPB = invert(stateToPB)
)

func infoToPB(i *provider.Info) (*pb.GetInfoResponse, error) {
	out := &pb.GetInfoResponse{
		Name: i.Name, Version: i.Version, ProtocolVersion: int32(i.ProtocolVersion),
		Description: i.Description, Aliases: i.Aliases,
		CredentialsFamily: i.CredentialsFamily, IpPoolFile: i.IPPoolFile,
	}
	for _, c := range i.Capabilities {
		if v, ok := capToPB[c]; ok {
			out.Capabilities = append(out.Capabilities, v)
		}
	}
	var err error
	if out.CatalogSchema, err = schemaToPB(i.CatalogSchema); err != nil {
		return nil, err
	}
	if out.SpecSchema, err = schemaToPB(i.SpecSchema); err != nil {
		return nil, err
	}
	for _, f := range i.Flavors {
		raw, err := json.Marshal(f.Values)
		if err != nil {
			return nil, err
		}
		out.Flavors = append(out.Flavors, &pb.Flavor{Name: f.Name, Description: f.Description, Values: &pb.DynamicValue{Json: raw}})
	}
	for _, k := range i.CredentialKeys {
		out.CredentialKeys = append(out.CredentialKeys, &pb.CredentialKey{Name: k.Name, Description: k.Description, Required: k.Required, Aliases: k.Aliases})
	}
	return out, nil
}

func infoFromPB(r *pb.GetInfoResponse) (*provider.Info, error) {
	out := &provider.Info{
		Name: r.GetName(), Version: r.GetVersion(), ProtocolVersion: int(r.GetProtocolVersion()),
		Description: r.GetDescription(), Aliases: r.GetAliases(),
		CredentialsFamily: r.GetCredentialsFamily(), IPPoolFile: r.GetIpPoolFile(),
	}
	for _, c := range r.GetCapabilities() {
		if v, ok := capFromPB[c]; ok {
			out.Capabilities = append(out.Capabilities, v)
		}
	}
	var err error
	if out.CatalogSchema, err = schemaFromPB(r.GetCatalogSchema()); err != nil {
		return nil, err
	}
	if out.SpecSchema, err = schemaFromPB(r.GetSpecSchema()); err != nil {
		return nil, err
	}
	for _, f := range r.GetFlavors() {
		var vals map[string]any
		if err := json.Unmarshal(f.GetValues().GetJson(), &vals); err != nil {
			return nil, err
		}
		out.Flavors = append(out.Flavors, provider.Flavor{Name: f.GetName(), Description: f.GetDescription(), Values: vals})
	}
	for _, k := range r.GetCredentialKeys() {
		out.CredentialKeys = append(out.CredentialKeys, provider.CredentialKey{Name: k.GetName(), Description: k.GetDescription(), Required: k.GetRequired(), Aliases: k.GetAliases()})
	}
	return out, nil
}

func schemaToPB(s provider.Schema) (*pb.Schema, error) {
	out := &pb.Schema{}
	for _, a := range s.Attributes {
		pa := &pb.Attribute{
			Name: a.Name, Type: typeToPB[a.Type], Required: a.Required, Description: a.Description,
			AllowedValues: a.AllowedValues, Sensitive: a.Sensitive,
		}
		if a.Default != nil {
			raw, err := json.Marshal(a.Default)
			if err != nil {
				return nil, err
			}
			pa.DefaultJson = raw
		}
		out.Attributes = append(out.Attributes, pa)
	}
	return out, nil
}

func schemaFromPB(s *pb.Schema) (provider.Schema, error) {
	out := provider.Schema{}
	for _, a := range s.GetAttributes() {
		attr := provider.Attribute{
			Name: a.GetName(), Type: typeFromPB[a.GetType()], Required: a.GetRequired(), Description: a.GetDescription(),
			AllowedValues: a.GetAllowedValues(), Sensitive: a.GetSensitive(),
		}
		if len(a.GetDefaultJson()) > 0 {
			if err := json.Unmarshal(a.GetDefaultJson(), &attr.Default); err != nil {
				return out, err
			}
		}
		out.Attributes = append(out.Attributes, attr)
	}
	return out, nil
}

func diagsToPB(ds provider.Diagnostics) []*pb.Diagnostic {
	out := make([]*pb.Diagnostic, 0, len(ds))
	for _, d := range ds {
		sev := pb.Severity_SEVERITY_ERROR
		if d.Severity == provider.SeverityWarning {
			sev = pb.Severity_SEVERITY_WARNING
		}
		out = append(out, &pb.Diagnostic{Severity: sev, Summary: d.Summary, Detail: d.Detail, Field: d.Field, Retryable: d.Retryable, Code: d.Code})
	}
	return out
}

func diagsFromPB(ds []*pb.Diagnostic) provider.Diagnostics {
	out := make(provider.Diagnostics, 0, len(ds))
	for _, d := range ds {
		sev := provider.SeverityError
		if d.GetSeverity() == pb.Severity_SEVERITY_WARNING {
			sev = provider.SeverityWarning
		}
		out = append(out, provider.Diagnostic{Severity: sev, Summary: d.GetSummary(), Detail: d.GetDetail(), Field: d.GetField(), Retryable: d.GetRetryable(), Code: d.GetCode()})
	}
	return out
}

func envToPB(e provider.CallEnv) *pb.CallEnv {
	return &pb.CallEnv{
		ControllerId: e.ControllerID, CatalogEntryName: e.CatalogEntryName,
		CatalogEntry: dyn(e.CatalogEntry), Credentials: e.Credentials, ControllerAddress: e.ControllerAddress,
		ControllerSerfPort: int32(e.ControllerSerfPort), KnownHosts: e.KnownHosts, SerfKey: e.SerfKey,
		ControllerSshKey: e.ControllerSSHKey,
	}
}

func envFromPB(e *pb.CallEnv) provider.CallEnv {
	return provider.CallEnv{
		ControllerID: e.GetControllerId(), CatalogEntryName: e.GetCatalogEntryName(),
		CatalogEntry: e.GetCatalogEntry().GetJson(), Credentials: e.GetCredentials(), ControllerAddress: e.GetControllerAddress(),
		ControllerSerfPort: int(e.GetControllerSerfPort()), KnownHosts: e.GetKnownHosts(), SerfKey: e.GetSerfKey(),
		ControllerSSHKey: e.GetControllerSshKey(),
	}
}

func dyn(raw json.RawMessage) *pb.DynamicValue {
	if raw == nil {
		return nil
	}
	return &pb.DynamicValue{Json: raw}
}

func nodeRefToPB(n provider.NodeRef) *pb.NodeRef {
	return &pb.NodeRef{
		NodeId: n.NodeID, NodeNo: int32(n.NodeNo), Vcid: n.VCID, UnitName: n.UnitName,
		CloudInstanceId: n.CloudInstanceID, CloudInstanceName: n.CloudInstanceName, FixedIp: n.FixedIP,
	}
}

func nodeRefFromPB(n *pb.NodeRef) provider.NodeRef {
	return provider.NodeRef{
		NodeID: n.GetNodeId(), NodeNo: int(n.GetNodeNo()), VCID: n.GetVcid(), UnitName: n.GetUnitName(),
		CloudInstanceID: n.GetCloudInstanceId(), CloudInstanceName: n.GetCloudInstanceName(), FixedIP: n.GetFixedIp(),
	}
}

func statusToPB(s *provider.NodeStatus) *pb.NodeStatus {
	if s == nil {
		return nil
	}
	return &pb.NodeStatus{
		NodeId: s.NodeID, CloudInstanceId: s.CloudInstanceID, CloudInstanceName: s.CloudInstanceName,
		CloudInstanceAddress: s.CloudInstanceAddress, State: stateToPB[s.State], StateReason: s.StateReason, Tags: s.Tags,
		BaseContainer: s.BaseContainer, Disk: diskToPB(s.Disk), AttachedDisks: attachedToPB(s.AttachedDisks),
	}
}

func diskToPB(d *provider.DiskStatus) *pb.DiskStatus {
	if d == nil {
		return nil
	}
	return &pb.DiskStatus{SizeGb: d.SizeGB, Zone: d.Zone, AttachedTo: d.AttachedTo, Device: d.Device, Type: d.Type}
}

func diskFromPB(d *pb.DiskStatus) *provider.DiskStatus {
	if d == nil {
		return nil
	}
	return &provider.DiskStatus{SizeGB: d.GetSizeGb(), Zone: d.GetZone(), AttachedTo: d.GetAttachedTo(), Device: d.GetDevice(), Type: d.GetType()}
}

func attachedToPB(l []provider.DiskAttachment) []*pb.DiskAttachment {
	var out []*pb.DiskAttachment
	for _, a := range l {
		out = append(out, &pb.DiskAttachment{CloudDiskId: a.CloudDiskID, Device: a.Device, Serial: a.Serial})
	}
	return out
}

func attachedFromPB(l []*pb.DiskAttachment) []provider.DiskAttachment {
	var out []provider.DiskAttachment
	for _, a := range l {
		out = append(out, provider.DiskAttachment{CloudDiskID: a.GetCloudDiskId(), Device: a.GetDevice(), Serial: a.GetSerial()})
	}
	return out
}

func statusFromPB(s *pb.NodeStatus) *provider.NodeStatus {
	if s == nil {
		return nil
	}
	st, ok := stateFromPB[s.GetState()]
	if !ok {
		st = provider.InstanceError
	}
	return &provider.NodeStatus{
		NodeID: s.GetNodeId(), CloudInstanceID: s.GetCloudInstanceId(), CloudInstanceName: s.GetCloudInstanceName(),
		CloudInstanceAddress: s.GetCloudInstanceAddress(), State: st, StateReason: s.GetStateReason(), Tags: s.GetTags(),
		BaseContainer: s.GetBaseContainer(), Disk: diskFromPB(s.GetDisk()), AttachedDisks: attachedFromPB(s.GetAttachedDisks()),
	}
}
