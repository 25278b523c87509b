package provider

// CommonSpecAttributes are the spec fields every compute provider accepts
// (the upstream SDK's common spec helpers). A provider merges its own
// fields on top: CommonSpecAttributes().Merge(Schema{...}).
func CommonSpecAttributes() Schema {
	return Schema{Attributes: []Attribute{
		{Name: "num_nodes", Type: TypeInt, Default: 1, Description: "nodes to create; a fixed-IP list sets it"},
		{Name: "image", Type: TypeString, Description: "Base container image"},
		{Name: "params_v", Type: TypeStringList, Description: "volumes for the Base container, host:container[:opts]"},
		{Name: "params_e", Type: TypeStringList, Description: "environment for the Base container, KEY=VALUE"},
		{Name: "ssh_public_key", Type: TypeString, Description: "public key authorised in the Base container (AUTHORIZED_KEYS)"},
		{Name: "ip_addresses", Type: TypeStringList, Description: "fixed private IPs, one per node"},
		{Name: "mac_addresses", Type: TypeStringList, Description: "fixed MAC addresses, one per node"},
		{Name: "tags", Type: TypeStringMap, Description: "cloud tags"},
		{Name: "cloud_image", Type: TypeString, Default: "default", Description: "VM image; default picks the provider's VCP image"},
		{Name: "disks", Type: TypeStringList, Description: "existing volumes to attach"},
		{Name: "private_network", Type: TypeString, Default: "default", Description: "VPN catalog entry name"},
		{Name: "user_init_command", Type: TypeString, Description: "script run as root at every Base container start"},
		{Name: "privileged", Type: TypeBool, Default: true, Description: "run the Base container privileged (as upstream; Docker-in-Docker needs it)"},
		{Name: "gpus", Type: TypeString, Description: "docker --gpus value for the Base container"},
		{Name: "dns", Type: TypeStringList, Description: "docker --dns"},
		{Name: "dns_search", Type: TypeStringList, Description: "docker --dns-search"},
		{Name: "dns_opt", Type: TypeStringList, Description: "docker --dns-opt"},
		{Name: "hostname", Type: TypeString, Description: "docker --hostname"},
		{Name: "add_host", Type: TypeStringList, Description: "docker --add-host, HOST:IP"},
		{Name: "description", Type: TypeString, Description: "free text"},
		{Name: "auto_replace", Type: TypeBool, Default: false, Description: "replace a node whose instance the cloud reclaimed (spot) or lost"},
	}}
}

// CommonCatalogAttributes are the VPN catalog keys every provider accepts.
func CommonCatalogAttributes() Schema {
	return Schema{Attributes: []Attribute{
		{Name: "private_network_ipmask", Type: TypeString, Description: "CIDR where nodes get their private IPs"},
		{Name: "ntp_servers", Type: TypeStringList, Description: "NTP servers for nodes"},
		{Name: "cloud_instance_dns_servers", Type: TypeStringList, Description: "DNS servers for nodes"},
	}}
}
