package identity

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vccproject/vcc/host/internal/auth"
	"github.com/vccproject/vcc/host/internal/store"
)

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// Service is users plus a Backend; it authenticates API requests.
type Service struct {
	st store.Store
	be Backend

	mu    sync.Mutex
	cache map[[32]byte]cached
}

type cached struct {
	id      *auth.Identity
	expires time.Time
}

// cacheTTL bounds how long a token check is reused. Revocations through
// this service clear the cache at once; ones made behind its back (in
// Vault directly) take effect within this time.
const cacheTTL = 5 * time.Second

// NewService makes sure the built-in user nobody exists.
func NewService(st store.Store, be Backend) (*Service, error) {
	s := &Service{st: st, be: be, cache: map[[32]byte]cached{}}
	err := st.Update(func(tx store.Tx) error {
		kv, err := tx.KV("users")
		if err != nil {
			return err
		}
		if kv.Get(Nobody) == nil {
			raw, _ := json.Marshal(User{Name: Nobody, Role: RoleRegular, Created: time.Now().UTC()})
			return kv.Put(Nobody, raw)
		}
		return nil
	})
	return s, err
}

// Backend is the token and secret backend in use.
func (s *Service) Backend() Backend { return s.be }

// Store is the store the service keeps users in, for admin commands on
// other records (pinned host keys).
func (s *Service) Store() store.Store { return s.st }

func (s *Service) forget() {
	s.mu.Lock()
	clear(s.cache)
	s.mu.Unlock()
}

// Users lists the users by name.
func (s *Service) Users(context.Context) ([]User, error) {
	var out []User
	err := s.st.View(func(tx store.Tx) error {
		kv, err := tx.KV("users")
		if err != nil {
			return err
		}
		return kv.Scan("", func(_ string, v []byte) error {
			var u User
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// User returns one user.
func (s *Service) User(_ context.Context, name string) (*User, error) {
	var u *User
	err := s.st.View(func(tx store.Tx) error {
		kv, err := tx.KV("users")
		if err != nil {
			return err
		}
		raw := kv.Get(name)
		if raw == nil {
			return fmt.Errorf("%w: %q", ErrNoUser, name)
		}
		u = new(User)
		return json.Unmarshal(raw, u)
	})
	return u, err
}

// AddUser creates a user.
func (s *Service) AddUser(_ context.Context, name string, role Role) (*User, error) {
	if !nameRE.MatchString(name) {
		return nil, fmt.Errorf("bad user name %q: want lower-case letters, digits, '_', '.' or '-', starting with a letter", name)
	}
	if !ValidRole(role) {
		return nil, fmt.Errorf("%w (got %q)", ErrUnknownRole, role)
	}
	u := &User{Name: name, Role: role, Created: time.Now().UTC()}
	err := s.st.Update(func(tx store.Tx) error {
		kv, err := tx.KV("users")
		if err != nil {
			return err
		}
		if kv.Get(name) != nil {
			return fmt.Errorf("%w: %q", ErrUserExists, name)
		}
		raw, _ := json.Marshal(u)
		return kv.Put(name, raw)
	})
	return u, err
}

// ModifyUser changes a user's role.
func (s *Service) ModifyUser(_ context.Context, name string, role Role) (*User, error) {
	if !ValidRole(role) {
		return nil, fmt.Errorf("%w (got %q)", ErrUnknownRole, role)
	}
	if name == Nobody {
		return nil, fmt.Errorf("%w (%s)", ErrBuiltIn, Nobody)
	}
	var u User
	err := s.st.Update(func(tx store.Tx) error {
		kv, err := tx.KV("users")
		if err != nil {
			return err
		}
		raw := kv.Get(name)
		if raw == nil {
			return fmt.Errorf("%w: %q", ErrNoUser, name)
		}
		if err := json.Unmarshal(raw, &u); err != nil {
			return err
		}
		u.Role = role
		raw, _ = json.Marshal(u)
		return kv.Put(name, raw)
	})
	s.forget()
	return &u, err
}

// DeleteUser removes a user, its tokens and its secrets. While the user
// owns VCs it refuses, unless force (the VCs keep their owner's name).
func (s *Service) DeleteUser(ctx context.Context, name string, force bool) error {
	if name == Nobody {
		return fmt.Errorf("%w (%s)", ErrBuiltIn, Nobody)
	}
	if _, err := s.User(ctx, name); err != nil {
		return err
	}
	var owned []string
	err := s.st.View(func(tx store.Tx) error {
		vcs, err := tx.VCs()
		for _, vc := range vcs {
			if vc.Owner == name {
				owned = append(owned, fmt.Sprintf("%s (vcid %s)", vc.Name, vc.VCID))
			}
		}
		return err
	})
	if err != nil {
		return err
	}
	if len(owned) > 0 && !force {
		return fmt.Errorf("%w: %s owns %d VC(s): %s; delete them, change their owner, or delete with --force",
			ErrOwnsVCs, name, len(owned), strings.Join(owned, ", "))
	}
	if err := s.be.RevokeUser(ctx, name); err != nil {
		return err
	}
	paths, err := s.be.ListSecrets(ctx, name, "")
	if err != nil {
		return err
	}
	for _, p := range paths {
		if err := s.be.DeleteSecret(ctx, name, p); err != nil && !errors.Is(err, ErrNoSecret) {
			return err
		}
	}
	err = s.st.Update(func(tx store.Tx) error {
		kv, err := tx.KV("users")
		if err != nil {
			return err
		}
		return kv.Delete(name)
	})
	s.forget()
	return err
}

// CreateToken issues a token for user (nobody when empty).
func (s *Service) CreateToken(ctx context.Context, user string, opts TokenOpts) (string, *Token, error) {
	if user == "" {
		user = Nobody
	}
	if _, err := s.User(ctx, user); err != nil {
		return "", nil, err
	}
	if opts.TTL < 0 {
		return "", nil, fmt.Errorf("ttl must not be negative")
	}
	return s.be.CreateToken(ctx, user, opts)
}

// RevokeToken and RevokeAccessor take effect on the next request.
func (s *Service) RevokeToken(ctx context.Context, secret string) error {
	defer s.forget()
	return s.be.RevokeToken(ctx, secret)
}

func (s *Service) RevokeAccessor(ctx context.Context, accessor string) error {
	defer s.forget()
	return s.be.RevokeAccessor(ctx, accessor)
}

// Authenticate turns a token into the caller's identity.
func (s *Service) Authenticate(ctx context.Context, secret string) (*auth.Identity, error) {
	key := sha256.Sum256([]byte(secret))
	s.mu.Lock()
	c, ok := s.cache[key]
	s.mu.Unlock()
	if ok && time.Now().Before(c.expires) {
		id := *c.id
		return &id, nil
	}
	tok, err := s.be.LookupToken(ctx, secret)
	if err != nil {
		return nil, auth.ErrBadToken
	}
	u, err := s.User(ctx, tok.User)
	if err != nil {
		return nil, auth.ErrBadToken // the user was deleted
	}
	id := &auth.Identity{User: u.Name, Role: string(u.Role), ReadOnly: tok.ReadOnly, Accessor: tok.Accessor}
	expires := time.Now().Add(cacheTTL)
	if !tok.Expires.IsZero() && tok.Expires.Before(expires) {
		expires = tok.Expires
	}
	s.mu.Lock()
	s.cache[key] = cached{id: id, expires: expires}
	s.mu.Unlock()
	cp := *id
	return &cp, nil
}

// AdminTokenFile holds the first super user's token in the data dir.
const AdminTokenFile = "admin.token"

// EnsureAdmin creates, on first start, the super user "admin" and a token
// for it in path (0600). Later starts keep a still valid token.
func (s *Service) EnsureAdmin(ctx context.Context, path string) error {
	if raw, err := os.ReadFile(path); err == nil {
		if _, err := s.Authenticate(ctx, strings.TrimSpace(string(raw))); err == nil {
			return nil
		}
	}
	if _, err := s.User(ctx, "admin"); errors.Is(err, ErrNoUser) {
		if _, err := s.AddUser(ctx, "admin", RoleSuper); err != nil {
			return err
		}
	}
	secret, _, err := s.CreateToken(ctx, "admin", TokenOpts{Note: "created at first start"})
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(secret+"\n"), 0o600)
}
