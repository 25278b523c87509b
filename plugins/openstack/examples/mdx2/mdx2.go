// Package main is vcc-provider-mdx2, a site's own OpenStack plugin built
// on vcc's openstack library out of vcc's tree: mdx II's catalog as
// upstream has it (tenant_name, network_name, security_group, optional
// domain_id), with two customisations of the stock provider: the network
// is found by its name instead of its id, and the security group is
// applied to a port the plugin makes for each node (deleted with it).
//
// Copy this directory, change the module path, and build it against the
// vcc release you run (see "Your own OpenStack plugin" in
// plugins/openstack/README.md).
package main

import (
	"context"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/vccproject/vcc/plugins/openstack/openstack"
	"github.com/vccproject/vcc/proto/kit/preflight"
	"github.com/vccproject/vcc/proto/provider"
)

// keys are mdx II's own catalog keys, read from an entry with Decode.
type keys struct {
	NetworkName   string `json:"network_name"`
	SecurityGroup string `json:"security_group"`
	DomainID      string `json:"domain_id"`
}

func keysOf(e *openstack.Entry) keys {
	var k keys
	_ = e.Decode(&k) // the schema checked the types already
	return k
}

// mdx2 is the provider: the stock one with mdx II's catalog and hooks.
func mdx2(version string) *openstack.Provider {
	return openstack.New(version,
		openstack.WithName("mdx2", "mdx II (OpenStack): nodes on the tenant's network by name, the security group on each node's port"),
		openstack.WithoutCatalogAttributes("network_uuid", "security_groups"),
		openstack.WithCatalogAttributes(
			provider.Attribute{Name: "tenant_name", Type: provider.TypeString, Required: true, Description: "mdx II project (tenant), like ab1234-project"},
			provider.Attribute{Name: "network_name", Type: provider.TypeString, Required: true, Description: "name of the tenant's network the nodes join"},
			provider.Attribute{Name: "security_group", Type: provider.TypeString, Required: true, Description: "security group (name or id) put on each node's port"},
			provider.Attribute{Name: "domain_id", Type: provider.TypeString, Description: "Keystone domain id of the user and project; domain_name when empty"},
		),
		openstack.WithCatalogCheck(func(e *openstack.Entry) provider.Diagnostics {
			var d provider.Diagnostics
			if k := keysOf(e); k.NetworkName == "" {
				d = append(d, provider.Invalid("must not be empty").On("catalog.network_name"))
			}
			if k := keysOf(e); k.SecurityGroup == "" {
				d = append(d, provider.Invalid("must not be empty").On("catalog.security_group"))
			}
			return d
		}),
		openstack.WithAuth(nil, auth),
		openstack.WithAttach(attach),
		openstack.WithPreflight(func(c *openstack.Cloud, b *openstack.Build) []preflight.Check {
			k := keysOf(b.Entry)
			return []preflight.Check{
				{Name: "the network", Field: "catalog.network_name", Run: func(ctx context.Context) error {
					n, err := c.NetworkByName(ctx, k.NetworkName, "catalog.network_name")
					if err != nil {
						return err
					}
					return openstack.CheckFixedIPs(ctx, c, n.ID, []provider.NodeRef{b.Node})
				}},
				{Name: "the security group", Field: "catalog.security_group", Run: func(ctx context.Context) error {
					_, err := c.SecurityGroupID(ctx, k.SecurityGroup, "catalog.security_group")
					return err
				}},
			}
		}),
	)
}

// auth is the stock authentication, with domain_id (when set) naming
// the user's and project's domain by id.
func auth(e *openstack.Entry, creds provider.Credentials) (gophercloud.AuthOptions, error) {
	o, err := openstack.AuthOptions(e, creds)
	if err != nil || o.Scope == nil {
		return o, err
	}
	if id := keysOf(e).DomainID; id != "" {
		o.DomainName, o.DomainID = "", id
		o.Scope = &gophercloud.AuthScope{ProjectName: e.TenantName, DomainID: id}
	}
	return o, nil
}

// attach puts each node on a port of its own on the named network, with
// the security group and the node's fixed IP.
func attach(ctx context.Context, c *openstack.Cloud, b *openstack.Build) ([]openstack.Attachment, error) {
	k := keysOf(b.Entry)
	n, err := c.NetworkByName(ctx, k.NetworkName, "catalog.network_name")
	if err != nil {
		return nil, err
	}
	sg, err := c.SecurityGroupID(ctx, k.SecurityGroup, "catalog.security_group")
	if err != nil {
		return nil, err
	}
	port := &ports.CreateOpts{NetworkID: n.ID, SecurityGroups: &[]string{sg}}
	if b.Node.FixedIP != "" {
		port.FixedIPs = []ports.IP{{IPAddress: b.Node.FixedIP}}
	}
	return []openstack.Attachment{{Port: port}}, nil
}
