package cli

import (
	"context"
	"path/filepath"

	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/controller"
	"github.com/vccproject/vcc/host/internal/liveness"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
)

// startLiveness starts the controller's Serf member, unless listen is
// "off". It advertises the address nodes reach the controller at.
func startLiveness(ctx context.Context, st store.Store, listen, advertise, data string, log hclog.Logger) (*liveness.Monitor, error) {
	if listen == "off" {
		log.Warn("liveness is off (--serf-listen off): nodes are RUNNING when their instance runs, without their agent answering")
		return nil, nil
	}
	id, err := controller.EnsureID(st)
	if err != nil {
		return nil, err
	}
	// A controller without nodes makes its gossip key; one whose nodes
	// were started before it had a key keeps plaintext until they are
	// gone, or their agents (which have none) could no longer join.
	nodes := map[string]bool{}
	err = st.View(func(tx store.Tx) error {
		return store.EachUnit(tx, func(_ *model.VC, _ *model.Unit, ns []*model.Node) error {
			for _, n := range ns {
				nodes[n.NodeID] = true
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	fresh := len(nodes) == 0
	keyPath := filepath.Join(data, liveness.KeyFile)
	key, err := liveness.LoadKey(keyPath, fresh)
	if err != nil {
		return nil, err
	}
	if key == nil {
		log.Warn("Serf gossip is not encrypted: this controller's nodes were started before it had a gossip key. "+
			"It turns on by itself at the first start without nodes; to turn it on now (their agents then cannot join until re-created): "+
			"head -c 32 /dev/urandom | base64 > "+keyPath+" && chmod 600 "+keyPath+"; then restart", "key_file", keyPath)
	}
	return liveness.Start(ctx, liveness.Config{Bind: listen, Advertise: advertise, ControllerID: id,
		SnapshotPath: filepath.Join(data, "serf.snapshot"), KnownNode: func(name string) bool { return nodes[name] }, Key: key, Logger: log})
}
