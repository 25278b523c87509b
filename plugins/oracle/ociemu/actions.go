package ociemu

import (
	"net/http"
	"time"
)

// instanceAction is POST /instances/{id}?action=...: START, STOP,
// SOFTSTOP, RESET, SOFTRESET. An action towards the state the instance is
// already in is accepted and changes nothing; one the instance cannot take
// now is a 409 IncorrectState. OCI does not start, stop or reboot a
// preemptible instance.
func (s *Server) instanceAction(r *http.Request, _ []byte) (int, any, error) {
	action := r.URL.Query().Get("action")
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.currentLocked(r.PathValue("id"))
	if in == nil {
		return 0, nil, notFound()
	}
	if f := s.takeFault("InstanceAction:" + action); f != nil {
		return 0, nil, f.err
	}
	if in.PreemptibleInstanceConfig != nil {
		return 0, nil, invalid("Preemptible instances cannot be started, stopped or rebooted.")
	}
	state, now := in.LifecycleState, time.Now()
	busy := incorrectState("Instance " + in.ID + " is " + state + " and cannot take action " + action + " now.")
	switch action {
	case "STOP", "SOFTSTOP":
		switch state {
		case Stopped, Stopping:
		case Running:
			in.LifecycleState, in.next, in.changed = Stopping, []string{Stopped}, now
			s.machineStop(in.ID)
		default:
			return 0, nil, busy
		}
	case "START":
		switch state {
		case Running, Starting:
		case Stopped:
			in.LifecycleState, in.next, in.changed = Starting, []string{Running}, now
			s.machineBoot(in)
		default:
			return 0, nil, busy
		}
	case "RESET", "SOFTRESET":
		if state != Running {
			return 0, nil, busy
		}
		in.LifecycleState, in.next, in.changed = Stopping, []string{Starting, Running}, now
	default:
		return 0, nil, invalid("Unknown action " + action + "; use START, STOP, SOFTSTOP, RESET or SOFTRESET.")
	}
	return http.StatusOK, etagged{in.Instance, in.ID}, nil
}

func (s *Server) machineStop(id string) {
	if m := s.opt.Machines; m != nil {
		go func() { _ = m.Stop(id, false) }()
	}
}

func (s *Server) machineBoot(in *instance) {
	if m := s.opt.Machines; m != nil {
		id, ud := in.ID, in.Metadata["user_data"]
		ip := ""
		if v := s.vnics[in.vnicID]; v != nil {
			ip = v.PrivateIP
		}
		go func() { _ = m.Boot(id, ip, ud) }()
	}
}
