// vcc-node is the entrypoint of the Base container: it joins the
// controller's Serf under the node id so the controller knows the node is
// up, serves the node's metrics and runs the user's init command. Its
// settings come from the environment the controller gives the container
// (upstream's names are understood too).
package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/liveness"
	"github.com/vccproject/vcc/host/internal/nodeagent"
)

func main() {
	log := hclog.New(&hclog.LoggerOptions{Name: "vcc-node", JSONFormat: true, Level: hclog.LevelFromString(env("VCC_LOG_LEVEL", "info"))})
	cfg, err := fromEnv()
	if err != nil {
		log.Error(err.Error())
		os.Exit(2)
	}
	cfg.Logger = log
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := nodeagent.Run(ctx, cfg); err != nil {
		log.Error(err.Error())
		os.Exit(1)
	}
}

func fromEnv() (nodeagent.Config, error) {
	ctrl := env("VCC_CONTROLLER_ADDR", os.Getenv("VCCCTR_IPADDR"))
	ctrlPort := env("VCC_CONTROLLER_SERF_PORT", "7947")
	ip := env("MY_PRIVATE_IP", os.Getenv("PRIVATE_IP"))
	port := env("VCC_SERF_PORT", "7947")
	cfg := nodeagent.Config{
		NodeID:       env("VCC_NODE_ID", os.Getenv("SERF_NODE_ID")),
		ControllerID: env("VCC_CONTROLLER_ID", os.Getenv("VCCC_ID")),
		Advertise:    ip,
	}
	if _, err := strconv.Atoi(ctrlPort); err != nil {
		return cfg, fmt.Errorf("VCC_CONTROLLER_SERF_PORT=%q is not a port number", ctrlPort)
	}
	if k := os.Getenv("VCC_SERF_KEY"); k != "" {
		key, err := liveness.ParseKey(k)
		if err != nil {
			return cfg, fmt.Errorf("VCC_SERF_KEY: %w", err) // never the value
		}
		cfg.Key = key
	}
	if ctrl != "" {
		cfg.Controller = net.JoinHostPort(ctrl, ctrlPort)
	}
	bindHost := ip
	if bindHost == "" {
		bindHost = "0.0.0.0"
	}
	cfg.Bind = net.JoinHostPort(bindHost, port)
	if mp := env("VCC_NODE_METRICS_PORT", "18083"); mp != "off" {
		cfg.MetricsListen = net.JoinHostPort(bindHost, mp)
	}
	if enc := os.Getenv("USER_INIT_COMMAND"); enc != "" {
		b, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return cfg, fmt.Errorf("USER_INIT_COMMAND is not base64: %w", err)
		}
		cfg.InitCommand = string(b)
	}
	return cfg, nil
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
