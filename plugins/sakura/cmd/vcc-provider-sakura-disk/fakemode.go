//go:build sakurafake

package main

// This file is compiled only into test builds (go build -tags
// sakurafake): they drive iaas-api-go's fake in the store file
// SAKURACLOUD_FAKE_STORE_PATH names, shared with the test build of
// vcc-provider-sakura (SAKURACLOUD_FAKE_SHARED set for both), whose
// servers connect the disks this one makes. Its ids come from a range
// of their own.

import (
	"fmt"
	"os"

	"github.com/vccproject/vcc/plugins/sakura/fakecloud"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// idOffset keeps this process's ids apart from the sakura plugin's.
const idOffset = 50_000_000_000

func init() {
	log := providerplugin.NewLogger().Named("sakura_disk")
	path := os.Getenv("SAKURACLOUD_FAKE_STORE_PATH")
	if path == "" {
		log.Error("this is a test build of vcc-provider-sakura-disk (tag sakurafake): it drives only iaas-api-go's fake; " +
			"set SAKURACLOUD_FAKE_STORE_PATH to a store made by sakura-fakecloud seed, or build without the tag")
		os.Exit(2)
	}
	open := fakecloud.Open
	if os.Getenv("SAKURACLOUD_FAKE_SHARED") != "" {
		open = func(path string) error { return fakecloud.OpenShared(path, idOffset) }
	}
	if err := open(path); err != nil {
		log.Error("cannot open the fake store", "error", err)
		os.Exit(2)
	}
	wrap = fakecloud.PersistingBasic
	note = fmt.Sprintf("TEST BUILD: it calls no Sakura Cloud, only iaas-api-go's fake (store %s)", path)
	log.Warn("FAKE MODE: " + note)
}
