// Package provider is the Go face of the vcc provider protocol: the
// interface a plugin implements and the types that cross the wire, written
// by hand over the generated code (which stays internal), so the protocol
// can grow without breaking plugin authors.
//
// A plugin's main is one line:
//
//	func main() { providerplugin.Serve(mycloud.New()) }
package provider
