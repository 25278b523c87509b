// Package kit is the plugin kit: what every provider plugin needs and
// writes once here instead of once per cloud. Each subpackage has one job
// and depends only on proto/provider and the standard library:
//
//	decode       a catalog entry or spec into a typed struct: schema,
//	             defaults, decode and the struct's own checks, every problem
//	             a diagnostic on its field path
//	fields       the common catalog and spec fields, typed, checked once
//	tags         the controller and node ids on everything a plugin makes
//	describe     assembling DescribeNodes answers
//	clientcache  one cloud client per credentials/region/endpoint, rebuilt
//	             on rotation
//	wait         a cancellable WaitFor with backoff
//	preflight    cloud-neutral triage of preflight checks
package kit
