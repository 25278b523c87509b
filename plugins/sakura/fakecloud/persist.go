package fakecloud

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/vccproject/vcc/proto/provider"
)

// Persisting is p with the fake's store flushed to its file before each
// answer that may have changed or shown the cloud, so the file holds at
// least everything an answer told: what a reader (a test) sees, and what
// the next process finds after this one is killed. p implements every
// optional interface, as the Sakura provider does.
func Persisting(p provider.Full) provider.Full { return persisting{p} }

type persisting struct{ p provider.Full }

// after flushes once a call is done; a store that cannot be written
// makes the answer untrustworthy, so it fails the call.
func after[T any](v T, err error) (T, error) {
	if ferr := Flush(); ferr != nil {
		return v, errors.Join(err, ferr)
	}
	return v, err
}

func (x persisting) GetInfo(ctx context.Context) (*provider.Info, error) { return x.p.GetInfo(ctx) }

func (x persisting) ValidateCatalogEntry(ctx context.Context, name string, e json.RawMessage) (provider.Diagnostics, error) {
	return x.p.ValidateCatalogEntry(ctx, name, e)
}

func (x persisting) ValidateSpec(ctx context.Context, env provider.CallEnv, s json.RawMessage) (provider.Diagnostics, error) {
	return x.p.ValidateSpec(ctx, env, s)
}

func (x persisting) CreateNode(ctx context.Context, r provider.NodeRequest) (*provider.NodeStatus, error) {
	return basic{x.p}.CreateNode(ctx, r)
}

func (x persisting) DescribeNodes(ctx context.Context, r provider.DescribeRequest) ([]provider.NodeStatus, error) {
	return basic{x.p}.DescribeNodes(ctx, r)
}

func (x persisting) DeleteNode(ctx context.Context, r provider.NodeRequest) error {
	return basic{x.p}.DeleteNode(ctx, r)
}

// PersistingBasic is Persisting for a provider whose only optional
// interface may be Preflighter (sakura_disk).
func PersistingBasic(p provider.Provider) provider.Provider {
	if pf, ok := p.(provider.Preflighter); ok {
		return basicPreflight{basic{p}, pf}
	}
	return basic{p}
}

type basicPreflight struct {
	basic
	pf provider.Preflighter
}

func (x basicPreflight) Preflight(ctx context.Context, r provider.PreflightRequest) (*provider.PreflightResult, error) {
	if err := before(); err != nil {
		return nil, err
	}
	return after(x.pf.Preflight(ctx, r))
}

type basic struct{ p provider.Provider }

// before takes in what other writers of a shared store changed.
func before() error { return Sync() }

func (x basic) GetInfo(ctx context.Context) (*provider.Info, error) { return x.p.GetInfo(ctx) }

func (x basic) ValidateCatalogEntry(ctx context.Context, name string, e json.RawMessage) (provider.Diagnostics, error) {
	return x.p.ValidateCatalogEntry(ctx, name, e)
}

func (x basic) ValidateSpec(ctx context.Context, env provider.CallEnv, s json.RawMessage) (provider.Diagnostics, error) {
	return x.p.ValidateSpec(ctx, env, s)
}

func (x basic) CreateNode(ctx context.Context, r provider.NodeRequest) (*provider.NodeStatus, error) {
	if err := before(); err != nil {
		return nil, err
	}
	return after(x.p.CreateNode(ctx, r))
}

func (x basic) DescribeNodes(ctx context.Context, r provider.DescribeRequest) ([]provider.NodeStatus, error) {
	if err := before(); err != nil {
		return nil, err
	}
	return after(x.p.DescribeNodes(ctx, r))
}

func (x basic) DeleteNode(ctx context.Context, r provider.NodeRequest) error {
	if err := before(); err != nil {
		return err
	}
	_, err := after(struct{}{}, x.p.DeleteNode(ctx, r))
	return err
}

func (x persisting) PowerOn(ctx context.Context, r provider.NodeRequest) (*provider.NodeStatus, error) {
	if err := before(); err != nil {
		return nil, err
	}
	return after(x.p.PowerOn(ctx, r))
}

func (x persisting) PowerOff(ctx context.Context, r provider.NodeRequest) (*provider.NodeStatus, error) {
	if err := before(); err != nil {
		return nil, err
	}
	return after(x.p.PowerOff(ctx, r))
}

func (x persisting) Reboot(ctx context.Context, r provider.NodeRequest) (*provider.NodeStatus, error) {
	if err := before(); err != nil {
		return nil, err
	}
	return after(x.p.Reboot(ctx, r))
}

func (x persisting) Preflight(ctx context.Context, r provider.PreflightRequest) (*provider.PreflightResult, error) {
	if err := before(); err != nil {
		return nil, err
	}
	return after(x.p.Preflight(ctx, r))
}
