//go:build sakurafake

package main

// This file is compiled only into test builds of the plugin (go build
// -tags sakurafake): they drive iaas-api-go's fake, whose store is the
// JSON file SAKURACLOUD_FAKE_STORE_PATH names, instead of Sakura Cloud.
// The fake is process-wide and would answer any API key, so a
// production build (make build, no tag) does not contain it at all.

import (
	"fmt"
	"os"

	"github.com/vccproject/vcc/plugins/sakura/fakecloud"
	"github.com/vccproject/vcc/proto/providerplugin"
)

func init() {
	log := providerplugin.NewLogger().Named("sakura")
	path := os.Getenv("SAKURACLOUD_FAKE_STORE_PATH")
	if path == "" {
		log.Error("this is a test build of vcc-provider-sakura (tag sakurafake): it drives only iaas-api-go's fake; " +
			"set SAKURACLOUD_FAKE_STORE_PATH to a store made by sakura-fakecloud seed, or build without the tag")
		os.Exit(2)
	}
	open := fakecloud.Open
	if os.Getenv("SAKURACLOUD_FAKE_SHARED") != "" { // sakura_disk's test build writes the store too
		open = func(path string) error { return fakecloud.OpenShared(path, 0) }
	}
	if err := open(path); err != nil {
		log.Error("cannot open the fake store", "error", err)
		os.Exit(2)
	}
	wrap = fakecloud.Persisting
	note = fmt.Sprintf("TEST BUILD: it calls no Sakura Cloud, only iaas-api-go's fake (store %s)", path)
	log.Warn("FAKE MODE: " + note)
}
