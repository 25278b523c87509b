package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/vccproject/vcc/host/internal/events"
)

// beatEvery is how often an idle event stream says it is alive.
const beatEvery = 15 * time.Second

// writeSlack is the time a long response's writes may take beyond its
// wait.
const writeSlack = 15 * time.Second

// events streams state changes as server-sent events, optionally only
// those of one VC (?vcid=) or operation (?operation_id=), so clients can
// follow progress without polling. Each event passes the rule of GET
// /vcs/{vcid} when it is sent, not when the stream opened: a VC given to
// another owner leaves the stream at once.
func (s *Server) events(w http.ResponseWriter, r *http.Request, _ httprouter.Params) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "streaming is not supported by this connection")
		return
	}
	who := caller(r)
	vcid, opID := r.URL.Query().Get("vcid"), r.URL.Query().Get("operation_id")
	ch, stop := s.bus.Subscribe(func(e events.Event) bool {
		return (vcid == "" || e.VCID == vcid) && (opID == "" || e.OpID == opID || e.Type != "operation")
	})
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	longRequest(w, writeSlack)
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, ": vcc events\n\n"); err != nil {
		return
	}
	flusher.Flush()
	beat := time.NewTicker(beatEvery)
	defer beat.Stop()
	for {
		var err error
		// A follower that stops reading is let go after a beat or two.
		longRequest(w, beatEvery+writeSlack)
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			_, err = fmt.Fprint(w, ": keep-alive\n\n")
		case e := <-ch:
			if !s.ctrl.MaySee(who, e.VCID) {
				continue
			}
			raw, _ := json.Marshal(e)
			_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.Type, raw)
		}
		if err != nil { // the follower is gone: stop holding its subscription
			return
		}
		flusher.Flush()
	}
}
