module github.com/vccproject/vcc/plugins/openstack

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/gophercloud/gophercloud/v2 v2.16.0
)

replace github.com/vccproject/vcc/proto => ../../proto
