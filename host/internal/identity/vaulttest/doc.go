// Package vaulttest runs the identity suite and the controller against a
// real Vault started in-process (vault.NewTestCluster). It is its own
// module so the controller's go.mod never carries the Vault server.
package vaulttest
