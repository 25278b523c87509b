package azure

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// lockedKey is an SSH public key whose private half this process
// dropped: Azure wants a password or a key for a Linux VM's admin, and a
// key nobody holds locks the VM's own login (users work in the Base
// container, which authorises spec.ssh_public_key).
var lockedKey = sync.OnceValue(func() string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("no randomness for an RSA key: " + err.Error())
	}
	pub, err := ssh.NewPublicKey(&k.PublicKey)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
})
