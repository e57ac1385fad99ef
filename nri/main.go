// vaoci-nri: vaoci's NRI plugin. One long-running process adjusts every
// container as the engine creates it (env, mounts, process args, a
// poststart hook), with the policy decided by the wrapper's C resolver.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/containerd/nri/pkg/stub"
)

type options struct {
	name, idx, socket, cri, namespaces string
	hook, hostRoot, record, status     string
	verify                             string
	settleMs                           int
	imageTimeout, imageCache, retry    time.Duration
	timing, once                       bool
}

func parseFlags() *options {
	o := &options{}
	flag.StringVar(&o.name, "name", "vaoci", "the plugin's name (NRI's required-plugins annotations name it)")
	flag.StringVar(&o.idx, "idx", "50", "the plugin's index: its place among NRI plugins")
	flag.StringVar(&o.socket, "nri-socket", "/var/run/nri/nri.sock", "the engine's NRI socket")
	flag.StringVar(&o.cri, "cri-socket", "/run/containerd/containerd.sock", "the engine's CRI socket, for images' architectures")
	flag.StringVar(&o.namespaces, "namespaces", "*", "pod namespaces vaoci acts in, comma-separated; * for all")
	flag.StringVar(&o.hook, "hook", "", "vaoci-hook's path on the node, for the poststart hook (default: beside this binary)")
	flag.StringVar(&o.verify, "verify", "plugin", "who checks that a window holds once the container started: plugin (on PostStartContainer, no process) or hook (a poststart vaoci-hook per container)")
	flag.IntVar(&o.settleMs, "settle-ms", 250, "how long after the exec a window may take to hold (the hook's --settle-ms)")
	flag.StringVar(&o.hostRoot, "host-root", "", "where the node's / is (a pod's hostPath): chroot there first, so every path is the node's")
	flag.StringVar(&o.record, "install-record", "", "act only while this install record (PREFIX/install.json) says mode nri; wait otherwise")
	flag.StringVar(&o.status, "status", "", "a file that exists while the plugin is connected to the engine (vaoci node agent --nri-status)")
	flag.DurationVar(&o.imageTimeout, "image-timeout", time.Second, "how long to wait for an image's status")
	flag.DurationVar(&o.imageCache, "image-cache", 30*time.Second, "how long an image's architecture is kept (0: ask for every container)")
	flag.DurationVar(&o.retry, "retry", time.Second, "how long to wait before connecting again after the engine went away")
	flag.BoolVar(&o.timing, "timing", false, "log each CreateContainer's time on stderr")
	flag.BoolVar(&o.once, "once", false, "exit when the engine closes the connection, instead of connecting again")
	flag.Parse()
	return o
}

// allowList parses -namespaces: nil for "*".
func allowList(s string) (map[string]bool, error) {
	if strings.TrimSpace(s) == "*" {
		return nil, nil
	}
	m := map[string]bool{}
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n == "" || n == "*" {
			return nil, fmt.Errorf("-namespaces: value %q — expected * or a comma-separated list of namespaces", s)
		}
		m[n] = true
	}
	return m, nil
}

// enterHostRoot makes the node's / this process's: the C resolver then reads
// the node config, binfmt_misc and the node files it checks (the preload,
// the launcher, an emulator's loader) by the paths the runtime will use, and
// the sockets are the node's. Needs CAP_SYS_CHROOT, nothing more.
func enterHostRoot(dir string) error {
	if dir == "" || dir == "/" {
		return nil
	}
	if err := syscall.Chroot(dir); err != nil {
		return fmt.Errorf("-host-root %s: chroot: %w — expected the node's / (and CAP_SYS_CHROOT)", dir, err)
	}
	return os.Chdir("/")
}

// connection is one session with the engine, from connect to close.
type connection struct {
	o       *options
	p       *plugin
	changed func(string) // says a new state once
	failed  error        // the last connection's end (-once exits with it)
}

// serve connects to the engine and serves until the connection ends, the
// install record stops saying nri (the node went back to the runtime class,
// or vaoci was uninstalled), or ctx ends.
func (c *connection) serve(parent context.Context) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	s, err := stub.New(c.p, stub.WithPluginName(c.o.name), stub.WithPluginIdx(c.o.idx), stub.WithSocketPath(c.o.socket),
		stub.WithOnClose(cancel))
	if err != nil {
		return fmt.Errorf("NRI: %w", err)
	}
	if err := s.Start(ctx); err != nil {
		return fmt.Errorf("NRI: %w", err)
	}
	c.changed(fmt.Sprintf("connected to the engine at %s as %s-%s", c.o.socket, c.o.idx, c.o.name))
	c.setStatus(true)
	defer c.setStatus(false)
	for {
		select {
		case <-ctx.Done():
			s.Stop()
			if parent.Err() != nil {
				return parent.Err()
			}
			return fmt.Errorf("NRI: the engine closed the connection")
		case <-time.After(recordPoll):
			if c.o.record == "" {
				continue
			}
			if mode, why := recordMode(c.o.record); mode != modeNRI {
				s.Stop()
				return fmt.Errorf("disconnected: %s", why)
			}
		}
	}
}

// setStatus keeps the -status file: there with one line while connected.
func (c *connection) setStatus(connected bool) {
	if c.o.status == "" {
		return
	}
	if !connected {
		os.Remove(c.o.status)
		return
	}
	line := fmt.Sprintf("connected to the engine at %s as %s-%s since %s\n", c.o.socket, c.o.idx, c.o.name, time.Now().UTC().Format(time.RFC3339))
	if err := writeWhole(c.o.status, []byte(line)); err != nil {
		log.Printf("-status %s: %v", c.o.status, err)
	}
}

// once waits for the install record to say nri, or serves one connection;
// it returns how long to wait before the next try.
func (c *connection) once(ctx context.Context) time.Duration {
	if c.o.record != "" {
		if mode, why := recordMode(c.o.record); mode != modeNRI {
			c.changed("waiting: " + why)
			return recordPoll
		}
	}
	if err := c.serve(ctx); err != nil && ctx.Err() == nil {
		c.failed = err
		c.changed(fmt.Sprintf("%v; connecting again every %s", err, c.o.retry))
	}
	return c.o.retry
}

// run serves the engine until a signal: an engine restart closes the
// connection and the plugin connects again (NRI has no other way to find it
// again; exiting would leave containers unadjusted for the kubelet's crash
// back-off). One line per change of state, not one per retry.
func run(ctx context.Context, o *options) error {
	ns, err := allowList(o.namespaces)
	if err != nil {
		return err
	}
	if o.verify != "plugin" && o.verify != "hook" {
		return fmt.Errorf("-verify: value %q — expected plugin or hook", o.verify)
	}
	if err := enterHostRoot(o.hostRoot); err != nil {
		return err
	}
	conn, err := dialCRI(o.cri)
	if err != nil {
		return err
	}
	images := newImageArch(conn, o.imageTimeout, o.imageCache)
	last := ""
	c := &connection{o: o, p: &plugin{namespaces: ns, images: images, timing: o.timing, hook: o.hook,
		verifyHere: o.verify == "plugin", settleMs: o.settleMs, pids: newContainerPids(conn, o.imageTimeout)}, changed: func(line string) {
		if line != last {
			log.Print(line)
			last = line
		}
	}}
	c.setStatus(false) // a status a killed plugin left
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-time.After(c.once(ctx)):
		}
		if o.once && c.failed != nil {
			return c.failed
		}
	}
	log.Print("stopped")
	return nil
}

func main() {
	log.SetPrefix("vaoci-nri: ")
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, parseFlags()); err != nil {
		log.Print(err)
		os.Exit(1)
	}
}
