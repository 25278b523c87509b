package main

import "github.com/vccproject/vcc/proto/providerplugin"

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0"

func main() { providerplugin.Serve(mdx2(version)) }
