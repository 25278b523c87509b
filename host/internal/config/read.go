package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of one config file. A real catalog holds a handful of entries
// (one per network) and a pool file a few hundred addresses; every entry
// is checked by its plugin at each load, so a file far beyond these is
// a mistake that would cost a minute and hundreds of MB at every reload.
const (
	MaxFileSize = 1 << 20
	MaxEntries  = 1000
)

// readFile reads a config file, refusing what cannot have been meant: a
// symbolic link out of the config dir (the controller may run as root;
// it would read any file of the machine, and quote it in its errors),
// something that is not a regular file, or a file over MaxFileSize. A
// missing file is (nil, nil).
func readFile(path string) ([]byte, error) {
	if err := insideDir(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, Problems{{File: path, Message: err.Error()}}
	}
	defer func() { _ = f.Close() }() // read only: a failed close loses nothing
	fi, err := f.Stat()
	if err != nil {
		return nil, Problems{{File: path, Message: err.Error()}}
	}
	if !fi.Mode().IsRegular() {
		return nil, Problems{{File: path, Message: fmt.Sprintf("is not a regular file (%s); put the file itself in the config dir", fi.Mode().Type())}}
	}
	raw, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, Problems{{File: path, Message: err.Error()}}
	}
	if len(raw) > MaxFileSize {
		return nil, Problems{{File: path, Message: fmt.Sprintf("is larger than %d bytes, the most a config file may be; is it the right file?", MaxFileSize)}}
	}
	return raw, nil
}

// insideDir refuses a path that is a symbolic link leading out of its
// directory. Links inside it stay allowed (a Kubernetes ConfigMap mounts
// its files as links into a ..data subdirectory).
func insideDir(path string) error {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return nil // missing, or not a link: opened as it is
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return Problems{{File: path, Message: err.Error()}}
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return Problems{{File: path, Message: "is a symbolic link that leads nowhere: " + err.Error()}}
	}
	if rel, err := filepath.Rel(dir, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return Problems{{File: path, Message: fmt.Sprintf("is a symbolic link to %s, outside the config dir %s: config files are read only from that dir; copy the file in", target, filepath.Dir(path))}}
	}
	return nil
}

// excerptLen bounds how much of a config file's text an error quotes.
const excerptLen = 32

// excerpt is s as an error may quote it: escaped (no control characters
// reach a terminal or a log), and at most excerptLen characters long, so
// that a wrong file is recognised without being printed.
func excerpt(s string) string {
	if utf8.RuneCountInString(s) > excerptLen {
		s = string([]rune(s)[:excerptLen]) + "…"
	}
	return strconv.Quote(s)
}

var plainName = regexp.MustCompile(`^[A-Za-z0-9_.\[\]-]{1,64}$`)

// name is a provider, entry or key as an error shows it: as it is when
// it looks like a name, else as an excerpt.
func name(s string) string {
	if plainName.MatchString(s) {
		return s
	}
	return excerpt(s)
}

// clip makes a parser's message safe to print: escaped, and short (a
// YAML library quotes the text it could not take).
func clip(msg string) string {
	q := strconv.Quote(msg)
	q = q[1 : len(q)-1]
	if utf8.RuneCountInString(q) > 4*excerptLen {
		q = string([]rune(q)[:4*excerptLen]) + "…"
	}
	return q
}
