package openstack

import (
	"context"
	"text/template"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/provider"
)

// Build is what a hook knows of the node being made: the call's
// environment, the node, and its decoded catalog entry and spec.
type Build struct {
	Env   provider.CallEnv
	Node  provider.NodeRef
	Entry *Entry
	Spec  *Spec
}

// Attachment is one network interface of a node. Either Nova makes the
// port (NetworkID, with FixedIP when the node has one), which then goes
// with the server; or the plugin makes Port first, tags it with the
// controller and node ids and deletes it with the node (a port made
// before the server survives the server's delete in OpenStack).
type Attachment struct {
	NetworkID string
	FixedIP   string
	// Port, when set, is made by the plugin: NetworkID and FixedIP are
	// then ignored (put them in Port).
	Port *ports.CreateOpts
}

// BootSource is what the server boots from: an image (ImageID), a new
// volume made from the image (ImageID and VolumeSize, deleted with the
// server), an existing volume (VolumeID) or a volume snapshot
// (SnapshotID, with VolumeSize).
type BootSource struct {
	ImageID    string
	VolumeSize int
	VolumeID   string
	SnapshotID string
}

// ServerOptions are the parts of the server request a site may change.
type ServerOptions struct {
	Name             string
	AvailabilityZone string
	Metadata         map[string]string
	SecurityGroups   []string
	KeyName          string
	SchedulerHints   map[string]any
}

// hooks are a provider's customisations; every nil one takes the stock
// behaviour.
type hooks struct {
	name, description string
	catalogAdd        []provider.Attribute
	catalogDrop       []string
	specAdd           []provider.Attribute
	flavors           []provider.Flavor
	checkCatalog      []func(e *Entry) provider.Diagnostics
	checkSpec         []func(e *Entry, s *Spec) provider.Diagnostics
	credentialKeys    []provider.CredentialKey
	auth              func(e *Entry, creds provider.Credentials) (gophercloud.AuthOptions, error)
	attach            func(ctx context.Context, c *Cloud, b *Build) ([]Attachment, error)
	boot              func(ctx context.Context, c *Cloud, b *Build) (BootSource, error)
	server            []func(ctx context.Context, c *Cloud, b *Build, o *ServerOptions) error
	userData          []func(ctx context.Context, b *Build, userData string) (string, error)
	preflight         []func(c *Cloud, b *Build) []preflight.Check
	nameTemplate      *template.Template
}

// Option customises the provider New makes.
type Option func(*hooks)

// WithName names the provider (its binary is vcc-provider-NAME and its
// catalog section NAME) and describes it in `vcc-host plugins list`.
func WithName(name, description string) Option {
	return func(h *hooks) { h.name, h.description = name, description }
}

// WithCatalogAttributes adds keys to the catalog entry's schema (or
// replaces stock ones of the same name, e.g. to make one optional).
func WithCatalogAttributes(attrs ...provider.Attribute) Option {
	return func(h *hooks) { h.catalogAdd = append(h.catalogAdd, attrs...) }
}

// WithoutCatalogAttributes drops stock keys a site does not use (e.g.
// network_uuid when the network is found by name).
func WithoutCatalogAttributes(names ...string) Option {
	return func(h *hooks) { h.catalogDrop = append(h.catalogDrop, names...) }
}

// WithSpecAttributes adds fields to the spec's schema.
func WithSpecAttributes(attrs ...provider.Attribute) Option {
	return func(h *hooks) { h.specAdd = append(h.specAdd, attrs...) }
}

// WithFlavors replaces the stock flavors (small, medium, large).
func WithFlavors(f ...provider.Flavor) Option { return func(h *hooks) { h.flavors = f } }

// WithCatalogCheck adds a check of the catalog entry, run without a
// cloud call after the schema's (diagnostics on "catalog.KEY").
func WithCatalogCheck(check func(e *Entry) provider.Diagnostics) Option {
	return func(h *hooks) { h.checkCatalog = append(h.checkCatalog, check) }
}

// WithSpecCheck adds a check of the spec against its entry, without a
// cloud call (diagnostics on "spec.FIELD").
func WithSpecCheck(check func(e *Entry, s *Spec) provider.Diagnostics) Option {
	return func(h *hooks) { h.checkSpec = append(h.checkSpec, check) }
}

// WithAuth replaces how credentials become Keystone's auth options (a
// site's own keys, a token, a fixed domain), with the credential keys
// users store.
func WithAuth(keys []provider.CredentialKey, auth func(e *Entry, creds provider.Credentials) (gophercloud.AuthOptions, error)) Option {
	return func(h *hooks) { h.credentialKeys, h.auth = keys, auth }
}

// WithAttach replaces how a node is attached to networks: ports of its
// own, several networks, a network found by name.
func WithAttach(attach func(ctx context.Context, c *Cloud, b *Build) ([]Attachment, error)) Option {
	return func(h *hooks) { h.attach = attach }
}

// WithBootSource replaces what the node boots from.
func WithBootSource(boot func(ctx context.Context, c *Cloud, b *Build) (BootSource, error)) Option {
	return func(h *hooks) { h.boot = boot }
}

// WithNameTemplate names each server by a text/template over the Build
// instead of the node's cloud_instance_name, e.g.
// "{{.Entry.TenantName}}-{{.Node.UnitName}}-{{.Node.NodeNo}}". A
// template that does not parse panics in New: it is the site's code, and
// the first start shows it.
func WithNameTemplate(text string) Option {
	t := template.Must(template.New("name").Option("missingkey=error").Parse(text))
	return func(h *hooks) { h.nameTemplate = t }
}

// WithServer changes the server request before it is sent: metadata,
// scheduler hints, availability zone, name (a name template), security
// groups, key pair. The controller's and node's ids are added after it,
// so a hook cannot lose them.
func WithServer(change func(ctx context.Context, c *Cloud, b *Build, o *ServerOptions) error) Option {
	return func(h *hooks) { h.server = append(h.server, change) }
}

// WithUserData wraps the node's user data (cloud-config that starts the
// Base container), e.g. to set a proxy before Docker starts.
func WithUserData(wrap func(ctx context.Context, b *Build, userData string) (string, error)) Option {
	return func(h *hooks) { h.userData = append(h.userData, wrap) }
}

// WithPreflight adds read-only checks of a site's own resources to the
// preflight.
func WithPreflight(checks func(c *Cloud, b *Build) []preflight.Check) Option {
	return func(h *hooks) { h.preflight = append(h.preflight, checks) }
}
