package sakura

import (
	"context"
	"strings"

	"github.com/sacloud/iaas-api-go"
	"golang.org/x/crypto/ssh"

	"github.com/vccproject/vcc/proto/provider"
)

// edit writes the node's network into the boot disk (Sakura's disk
// edit): the address from the pool, the catalog entry's gateway and
// netmask, the host name and the controller's public key; for an
// archive without cloud-init also the Base container's startup script.
func (b *build) edit(ctx context.Context, img *iaas.Archive) error {
	req := &iaas.DiskEditRequest{HostName: b.hostname(), UserIPAddress: b.ip.String(),
		UserSubnet: &iaas.DiskEditUserSubnet{DefaultRoute: b.cat.Gateway, NetworkMaskLen: b.cat.Prefix().Bits()}}
	key, err := publicKey(b.env.ControllerSSHKey)
	if err != nil {
		return err
	}
	if key != "" {
		req.SSHKeys, req.DisablePWAuth = []*iaas.DiskEditSSHKey{{PublicKey: key}}, true
	}
	if !cloudInit(img) {
		note, err := b.startupScript(ctx)
		if err != nil {
			return err
		}
		req.Notes = []*iaas.DiskEditNote{{ID: note.ID}}
	}
	if err := b.a.disk.Config(ctx, b.cat.Zone, b.disk.ID, req); err != nil {
		return cloudErr("edit the boot disk "+b.disk.ID.String(), err)
	}
	if err := b.ready(ctx, "the edit"); err != nil {
		return err
	}
	if cloudInit(img) {
		return nil
	}
	// The edit copied the script into the disk: the note has served.
	if err := b.a.note.Delete(ctx, req.Notes[0].ID); err != nil && !notFound(err) {
		return cloudErr("delete startup script "+req.Notes[0].ID.String(), err)
	}
	return nil
}

// startupScript is the node's startup script (a "note" of class shell),
// made once: an earlier attempt's is reused.
func (b *build) startupScript(ctx context.Context) (*iaas.Note, error) {
	if !b.first {
		found, err := b.a.notes(ctx, ofNode(b.env, b.node))
		if err != nil {
			return nil, cloudErr("look up the node's startup script", err)
		}
		if len(found) > 0 {
			return found[0], nil
		}
	}
	n, err := b.a.note.Create(ctx, &iaas.NoteCreateRequest{Name: b.name(), Tags: b.tags, Class: "shell", Content: b.script})
	return n, cloudErr("create the node's startup script", err)
}

// dropScripts deletes the node's startup scripts; one already gone is
// fine.
func dropScripts(ctx context.Context, a *api, env provider.CallEnv, node provider.NodeRef) error {
	found, err := a.notes(ctx, ofNode(env, node))
	if err != nil {
		return cloudErr("look up the node's startup scripts", err)
	}
	for _, n := range found {
		if err := a.note.Delete(ctx, n.ID); err != nil && !notFound(err) {
			return cloudErr("delete startup script "+n.ID.String(), err)
		}
	}
	return nil
}

// boot starts the server: with the Base container's start as cloud-init
// user data when the archive runs cloud-init. A server already up (a
// repeated create) is fine: up tells.
func (b *build) boot(ctx context.Context, img *iaas.Archive) (up bool, err error) {
	if cloudInit(img) {
		err = b.a.server.BootWithVariables(ctx, b.cat.Zone, b.server.ID, &iaas.ServerBootVariables{UserData: b.script})
	} else {
		err = b.a.server.Boot(ctx, b.cat.Zone, b.server.ID)
	}
	if conflict(err) {
		if s, rerr := b.a.server.Read(ctx, b.cat.Zone, b.server.ID); rerr == nil && s.InstanceStatus.IsUp() {
			b.server = s
			return true, nil
		}
	}
	return false, cloudErr("boot server "+b.server.ID.String(), err)
}

// publicKey is the authorized_keys line of the controller's SSH key; ""
// when the host sent none. Only the public half leaves this function.
func publicKey(pem provider.Secret) (string, error) {
	if len(pem) == 0 {
		return "", nil
	}
	signer, err := ssh.ParsePrivateKey(pem)
	if err != nil {
		return "", provider.New(provider.CodePluginError, "the controller's SSH key cannot be read: %v", err).Err()
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey()))), nil
}
