package identity

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/vccproject/vcc/host/internal/store"
)

// KeyFile holds the embedded backend's secret-encryption key.
const KeyFile = "secrets.key"

// Embedded keeps tokens (as salted hashes) and secrets (AES-256-GCM) in
// the controller's own store.
type Embedded struct {
	st   store.Store
	aead cipher.AEAD
}

// NewEmbedded opens the backend; keyPath is created (0600, 32 random
// bytes) on first use.
func NewEmbedded(st store.Store, keyPath string) (*Embedded, error) {
	key, err := os.ReadFile(keyPath)
	if os.IsNotExist(err) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.WriteFile(keyPath, key, 0o600); err != nil {
			return nil, fmt.Errorf("create secrets key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read secrets key: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("%s must hold 32 bytes, has %d: restore it from backup (secrets cannot be read without it)", keyPath, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Embedded{st: st, aead: aead}, nil
}

func (e *Embedded) Name() string {
	return "embedded (tokens hashed and secrets encrypted in the controller's store)"
}

// tokenRec is what is stored of a token: no secret, only its salted hash.
type tokenRec struct {
	Token
	Salt string `json:"salt"`
	Hash string `json:"hash"`
}

const tokenPrefix = "vcc."

// A token reads vcc.<accessor>.<secret>: the accessor finds the record,
// the salted hash checks the whole token.
func splitToken(secret string) (accessor string, ok bool) {
	rest, ok := strings.CutPrefix(secret, tokenPrefix)
	if !ok {
		return "", false
	}
	acc, _, ok := strings.Cut(rest, ".")
	return acc, ok && len(acc) == 16
}

func hashToken(salt []byte, secret string) string {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (e *Embedded) CreateToken(_ context.Context, user string, opts TokenOpts) (string, *Token, error) {
	acc := randHex(8)
	secret := tokenPrefix + acc + "." + randHex(24)
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	now := time.Now().UTC()
	rec := tokenRec{Token: Token{Accessor: acc, User: user, ReadOnly: opts.ReadOnly, Note: opts.Note, Created: now},
		Salt: hex.EncodeToString(salt), Hash: hashToken(salt, secret)}
	if opts.TTL > 0 {
		rec.Expires = now.Add(opts.TTL)
	}
	raw, _ := json.Marshal(rec)
	err := e.st.Update(func(tx store.Tx) error {
		kv, err := tx.KV("tokens")
		if err != nil {
			return err
		}
		return kv.Put(acc, raw)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, &rec.Token, nil
}

func (e *Embedded) LookupToken(_ context.Context, secret string) (*Token, error) {
	acc, ok := splitToken(secret)
	if !ok {
		return nil, ErrBadToken
	}
	var rec tokenRec
	err := e.st.View(func(tx store.Tx) error {
		kv, err := tx.KV("tokens")
		if err != nil {
			return err
		}
		raw := kv.Get(acc)
		if raw == nil {
			return ErrBadToken
		}
		return json.Unmarshal(raw, &rec)
	})
	if err != nil {
		return nil, err
	}
	salt, _ := hex.DecodeString(rec.Salt)
	if subtle.ConstantTimeCompare([]byte(hashToken(salt, secret)), []byte(rec.Hash)) != 1 {
		return nil, ErrBadToken
	}
	if !rec.Expires.IsZero() && time.Now().After(rec.Expires) {
		return nil, ErrBadToken
	}
	return &rec.Token, nil
}

func (e *Embedded) ListTokens(_ context.Context, user string) ([]Token, error) {
	var out []Token
	err := e.st.View(func(tx store.Tx) error {
		kv, err := tx.KV("tokens")
		if err != nil {
			return err
		}
		return kv.Scan("", func(_ string, v []byte) error {
			var rec tokenRec
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			if user == "" || rec.User == user {
				out = append(out, rec.Token)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, err
}

func (e *Embedded) RevokeToken(ctx context.Context, secret string) error {
	tok, err := e.LookupToken(ctx, secret)
	if err != nil {
		return ErrNoToken
	}
	return e.RevokeAccessor(ctx, tok.Accessor)
}

func (e *Embedded) RevokeAccessor(_ context.Context, accessor string) error {
	return e.st.Update(func(tx store.Tx) error {
		kv, err := tx.KV("tokens")
		if err != nil {
			return err
		}
		if kv.Get(accessor) == nil {
			return ErrNoToken
		}
		return kv.Delete(accessor)
	})
}

func (e *Embedded) RevokeUser(ctx context.Context, user string) error {
	toks, err := e.ListTokens(ctx, user)
	if err != nil {
		return err
	}
	for _, t := range toks {
		if err := e.RevokeAccessor(ctx, t.Accessor); err != nil && err != ErrNoToken {
			return err
		}
	}
	return nil
}

func secretKey(user, path string) string { return user + "\x00" + path }

func (e *Embedded) PutSecret(_ context.Context, user, path, value string) error {
	nonce := make([]byte, e.aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := e.aead.Seal(nonce, nonce, []byte(value), []byte(secretKey(user, path)))
	return e.st.Update(func(tx store.Tx) error {
		kv, err := tx.KV("secrets")
		if err != nil {
			return err
		}
		return kv.Put(secretKey(user, path), sealed)
	})
}

func (e *Embedded) GetSecret(_ context.Context, user, path string) (string, error) {
	var sealed []byte
	err := e.st.View(func(tx store.Tx) error {
		kv, err := tx.KV("secrets")
		if err != nil {
			return err
		}
		sealed = kv.Get(secretKey(user, path))
		return nil
	})
	if err != nil {
		return "", err
	}
	if sealed == nil {
		return "", ErrNoSecret
	}
	n := e.aead.NonceSize()
	if len(sealed) < n {
		return "", fmt.Errorf("secret %s is damaged", path)
	}
	plain, err := e.aead.Open(nil, sealed[:n], sealed[n:], []byte(secretKey(user, path)))
	if err != nil {
		return "", fmt.Errorf("secret %s cannot be decrypted (was %s replaced?)", path, KeyFile)
	}
	return string(plain), nil
}

func (e *Embedded) DeleteSecret(_ context.Context, user, path string) error {
	return e.st.Update(func(tx store.Tx) error {
		kv, err := tx.KV("secrets")
		if err != nil {
			return err
		}
		if kv.Get(secretKey(user, path)) == nil {
			return ErrNoSecret
		}
		return kv.Delete(secretKey(user, path))
	})
}

func (e *Embedded) ListSecrets(_ context.Context, user, prefix string) ([]string, error) {
	var out []string
	err := e.st.View(func(tx store.Tx) error {
		kv, err := tx.KV("secrets")
		if err != nil {
			return err
		}
		return kv.Scan(secretKey(user, prefix), func(k string, _ []byte) error {
			out = append(out, strings.TrimPrefix(k, user+"\x00"))
			return nil
		})
	})
	return out, err
}
