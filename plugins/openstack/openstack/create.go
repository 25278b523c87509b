package openstack

import (
	"context"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/attributestags"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// CreateNode makes the node's server, or returns the one an earlier
// attempt made (looked up by the node's tag unless the host promises a
// first attempt). What the plugin makes before the server (its own
// ports) carries the node's tags and is removed when the server is
// refused, or with the node.
func (p *Provider) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	c, e, s, err := p.openSpec(ctx, req.Env, req.Spec)
	if err != nil {
		return nil, err
	}
	if !req.FirstAttempt {
		found, err := p.find(ctx, c, req.Env, req.Node)
		if err != nil || found != nil {
			return p.statusOf(found, e), err
		}
	}
	b := &Build{Env: req.Env, Node: req.Node, Entry: e, Spec: s}
	opts, err := p.serverOptions(ctx, c, b)
	if err != nil {
		return nil, err
	}
	flavorID, err := c.FlavorID(ctx, s.Flavor(e))
	if err != nil {
		return nil, err
	}
	boot, err := p.bootSource(ctx, c, b)
	if err != nil {
		return nil, err
	}
	userData, err := p.userData(ctx, b, req.Spec)
	if err != nil {
		return nil, err
	}
	attachments, err := p.attachments(ctx, c, b)
	if err != nil {
		return nil, err
	}
	nets, made, err := p.makePorts(ctx, c, b, opts.Name, attachments)
	if err != nil {
		return nil, err
	}
	var fips []string
	if e.FloatingIPPool != "" {
		if len(made) == 0 {
			return nil, provider.Invalid("a floating IP needs a port the plugin makes, and the site's attach hook gives only Nova-made ones").
				On(poolField).Because("leave floating_ip_pool out, or attach through Attachment.Port").Err()
		}
		fip, err := p.floatingIP(ctx, c, b, made[0])
		if err != nil {
			p.dropPorts(c, made)
			return nil, err
		}
		fips = append(fips, fip)
	}
	create := servers.CreateOpts{
		Name: opts.Name, FlavorRef: flavorID, Networks: nets, UserData: []byte(userData), Metadata: opts.Metadata,
		AvailabilityZone: opts.AvailabilityZone, SecurityGroups: opts.SecurityGroups,
		ImageRef: boot.imageRef(), BlockDevice: blockDevices(boot, s.Disks),
	}
	if len(made) > 0 {
		create.SecurityGroups = nil // the plugin's own ports carry their groups
	}
	if c.Tags {
		create.Tags = nodeTags(req.Env, req.Node)
	}
	var hints servers.SchedulerHintOptsBuilder
	if len(opts.SchedulerHints) > 0 {
		hints = schedulerHints(opts.SchedulerHints)
	}
	created, err := servers.Create(ctx, c.Compute, servers.CreateOptsBuilder(keyName{create, opts.KeyName}), hints).Extract()
	if err != nil {
		p.dropFloating(c, fips...)
		p.dropPorts(c, made)
		return nil, cloudErr("create server "+opts.Name, err)
	}
	return &provider.NodeStatus{NodeID: req.Node.NodeID, CloudInstanceID: created.ID, CloudInstanceName: opts.Name,
		CloudInstanceAddress: req.Node.FixedIP, State: provider.InstancePending, Tags: tags.For(req.Env, req.Node, s.Tags)}, nil
}

// serverOptions: the stock ones, the site's changes, then the node's ids
// in the metadata, which no hook can drop.
func (p *Provider) serverOptions(ctx context.Context, c *Cloud, b *Build) (*ServerOptions, error) {
	name := b.Node.CloudInstanceName
	if name == "" {
		name = "vcc-" + b.Node.NodeID
	}
	if p.h.nameTemplate != nil {
		var b2 strings.Builder
		if err := p.h.nameTemplate.Execute(&b2, b); err != nil {
			return nil, provider.Invalid("the site's name template fails for node %d: %v", b.Node.NodeNo, err).Err()
		}
		if name = b2.String(); name == "" || len(name) > 255 {
			return nil, provider.Invalid("the site's name template gives %q for node %d: a server name is 1 to 255 characters", name, b.Node.NodeNo).Err()
		}
	}
	o := &ServerOptions{Name: name, AvailabilityZone: b.Entry.AvailabilityZone, SecurityGroups: b.Entry.SecurityGroups,
		KeyName: b.Entry.KeyName, Metadata: map[string]string{}}
	for _, h := range p.h.server {
		if err := h(ctx, c, b, o); err != nil {
			return nil, err
		}
	}
	if o.Metadata == nil {
		o.Metadata = map[string]string{}
	}
	for k, v := range tags.For(b.Env, b.Node, b.Spec.Tags) {
		o.Metadata[k] = v
	}
	return o, nil
}

// nodeTags are the server's Nova tags (plain strings of at most 60
// characters): the controller's and node's ids, what find filters by.
func nodeTags(env provider.CallEnv, node provider.NodeRef) []string {
	return []string{tags.Pair(provider.TagControllerID, env.ControllerID), tags.Pair(provider.TagNodeID, node.NodeID)}
}

// userData is the Base container's cloud-init, wrapped by the site's hooks.
func (p *Provider) userData(ctx context.Context, b *Build, raw []byte) (string, error) {
	bc, err := basecontainer.Parse(raw)
	if err != nil {
		return "", provider.Invalid("%v", err).On("spec").Err()
	}
	ud := basecontainer.CloudInit(bc, b.Env, b.Node)
	for _, wrap := range p.h.userData {
		if ud, err = wrap(ctx, b, ud); err != nil {
			return "", err
		}
	}
	if len(ud) > 48<<10 {
		return "", provider.Invalid("the node's user data is %d bytes; Nova takes 64 KiB encoded", len(ud)).On("spec.user_init_command").
			Because("shorten user_init_command").Err()
	}
	return ud, nil
}

// attachments: the site's, or the catalog's network with the node's
// fixed IP, through a port Nova makes (and deletes with the server).
func (p *Provider) attachments(ctx context.Context, c *Cloud, b *Build) ([]Attachment, error) {
	if p.h.attach != nil {
		return p.h.attach(ctx, c, b)
	}
	if b.Entry.FloatingIPPool != "" {
		a, err := portForFloating(ctx, c, b)
		return []Attachment{a}, err
	}
	return []Attachment{{NetworkID: b.Entry.NetworkUUID, FixedIP: b.Node.FixedIP}}, nil
}

// makePorts makes the ports the attachments ask the plugin for, named
// after the server and tagged with the node's ids, and returns Nova's
// networks list.
func (p *Provider) makePorts(ctx context.Context, c *Cloud, b *Build, name string, as []Attachment) ([]servers.Network, []string, error) {
	var nets []servers.Network
	var made []string
	for i, a := range as {
		if a.Port == nil {
			nets = append(nets, servers.Network{UUID: a.NetworkID, FixedIP: a.FixedIP})
			continue
		}
		opts := *a.Port
		if opts.Name == "" {
			opts.Name = fmt.Sprintf("%s-%d", name, i)
		}
		port, err := ports.Create(ctx, c.Network, opts).Extract()
		if err != nil {
			p.dropPorts(c, made)
			return nil, nil, cloudErr("create port "+opts.Name, err)
		}
		made = append(made, port.ID)
		t := tags.Strings(tags.For(b.Env, b.Node, nil))
		if _, err := attributestags.ReplaceAll(ctx, c.Network, "ports", port.ID, attributestags.ReplaceAllOpts{Tags: t}).Extract(); err != nil {
			p.dropPorts(c, made)
			return nil, nil, cloudErr("tag port "+port.ID, err)
		}
		nets = append(nets, servers.Network{Port: port.ID})
	}
	return nets, made, nil
}

// dropPorts removes ports a refused create made; on its own context, so
// a cancelled create still cleans up (what is left goes with the node's
// delete, found by tag).
func (p *Provider) dropPorts(c *Cloud, ids []string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	for _, id := range ids {
		_ = ports.Delete(ctx, c.Network, id).ExtractErr() // best effort: the node's delete finds it by tag
	}
}

// keyName adds key_name, which CreateOpts has not, to the request.
type keyName struct {
	servers.CreateOpts
	name string
}

func (k keyName) ToServerCreateMap() (map[string]any, error) {
	m, err := k.CreateOpts.ToServerCreateMap()
	if err != nil || k.name == "" {
		return m, err
	}
	m["server"].(map[string]any)["key_name"] = k.name
	return m, nil
}

// schedulerHints is a site's free-form os:scheduler_hints.
type schedulerHints map[string]any

func (h schedulerHints) ToSchedulerHintsMap() (map[string]any, error) {
	return map[string]any{"os:scheduler_hints": map[string]any(h)}, nil
}
