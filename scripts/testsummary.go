// Command testsummary reads `go test -json` (of any number of runs) on
// stdin and prints what plain `go test` would: a line per package and the
// output of failed tests. It ends with every skipped test and why (the
// test's t.Skip or providertest.Require message), the notes given with
// -note (checks make test left out), and the failures, so a newcomer
// sees what the suite did not cover. Lines that are not JSON (go's own
// errors) are printed as they come; one starting with "FAIL" counts as a
// failure. Exit 1 when anything failed.
//
//	go test -json ./... 2>&1 | go run scripts/testsummary.go -note "..."
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action     string
	Package    string
	ImportPath string // of build-output and build-fail
	Test       string
	Elapsed    float64
	Output     string
}

type notes []string

func (n *notes) String() string     { return strings.Join(*n, "; ") }
func (n *notes) Set(s string) error { *n = append(*n, s); return nil }

type summary struct {
	out     io.Writer
	buf     map[string][]string // package\x00test -> output lines
	skipped []string
	failed  []string
}

func main() {
	var extra notes
	flag.Var(&extra, "note", "a line for the list of what was not run (repeatable)")
	flag.Parse()
	s := &summary{out: os.Stdout, buf: map[string][]string{}}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		s.line(sc.Text())
	}
	if err := sc.Err(); err != nil {
		s.failed = append(s.failed, "reading go test's output: "+err.Error())
	}
	os.Exit(s.report(extra))
}

func (s *summary) line(l string) {
	var ev event
	if !strings.HasPrefix(l, "{") || json.Unmarshal([]byte(l), &ev) != nil {
		fmt.Fprintln(s.out, l)
		if strings.HasPrefix(l, "FAIL") {
			s.failed = append(s.failed, l)
		}
		return
	}
	key := ev.Package + "\x00" + ev.Test
	switch ev.Action {
	case "output", "build-output":
		if ev.Action == "build-output" {
			fmt.Fprint(s.out, ev.Output)
			return
		}
		s.buf[key] = append(s.buf[key], ev.Output)
	case "skip":
		if ev.Test != "" {
			s.skipped = append(s.skipped, fmt.Sprintf("%s %s: %s", ev.Package, ev.Test, skipReason(s.buf[key])))
		}
		delete(s.buf, key)
	case "fail":
		s.fail(ev, key)
	case "pass":
		if ev.Test == "" {
			fmt.Fprintf(s.out, "ok  \t%s\t%.3fs\n", ev.Package, ev.Elapsed)
		}
		delete(s.buf, key)
	case "build-fail":
		s.failed = append(s.failed, ev.ImportPath+" [build failed]")
	}
}

func (s *summary) fail(ev event, key string) {
	for _, o := range s.buf[key] {
		fmt.Fprint(s.out, o)
	}
	delete(s.buf, key)
	if ev.Test != "" {
		s.failed = append(s.failed, ev.Package+" "+ev.Test)
		return
	}
	fmt.Fprintf(s.out, "FAIL\t%s\t%.3fs\n", ev.Package, ev.Elapsed)
	s.failed = append(s.failed, ev.Package)
}

// skipReason is what the test said before it skipped: its log lines,
// without go test's own framing.
func skipReason(out []string) string {
	var parts []string
	for _, o := range out {
		t := strings.TrimSpace(o)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		parts = append(parts, t)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " ")
}

func (s *summary) report(extra notes) int {
	sort.Strings(s.skipped)
	fmt.Fprintf(s.out, "\n=== not run: %d skipped test(s), %d check(s) left out\n", len(s.skipped), len(extra))
	for _, l := range s.skipped {
		fmt.Fprintln(s.out, "  SKIP "+l)
	}
	for _, n := range extra {
		fmt.Fprintln(s.out, "  NOTE "+n)
	}
	if len(s.failed) == 0 {
		fmt.Fprintln(s.out, "=== every test run passed")
		return 0
	}
	fmt.Fprintf(s.out, "=== %d failure(s):\n", len(s.failed))
	for _, f := range s.failed {
		fmt.Fprintln(s.out, "  FAIL "+f)
	}
	return 1
}
