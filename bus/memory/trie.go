package memory

import (
	"bytes"
	"strings"
)

// node is one token position in the subscription trie. Subscriptions live at
// the node their pattern ends at, so matching a subject walks one path per
// wildcard branch actually present: publishing to a literal subject costs
// O(tokens) however many subscriptions exist on other subjects.
//
// All fields are guarded by Bus.mu.
type node struct {
	parent  *node
	token   string           // key in parent.literal; unused for parent.star
	literal map[string]*node // children for literal tokens, created lazily
	star    *node            // child for "*"
	exact   []*subscription  // patterns that end at this node
	rest    []*subscription  // patterns that end with ">" after this node
}

// insert adds s under pattern, which must be valid.
func (n *node) insert(pattern string, s *subscription) {
	for {
		tok, tail, more := strings.Cut(pattern, ".")
		if tok == ">" {
			n.attach(s, true)
			return
		}
		n = n.child(tok)
		if !more {
			n.attach(s, false)
			return
		}
		pattern = tail
	}
}

// child returns the child for tok, creating it if needed.
func (n *node) child(tok string) *node {
	if tok == "*" {
		if n.star == nil {
			n.star = &node{parent: n}
		}
		return n.star
	}
	c := n.literal[tok]
	if c == nil {
		if n.literal == nil {
			n.literal = make(map[string]*node)
		}
		c = &node{parent: n, token: tok}
		n.literal[tok] = c
	}
	return c
}

// attach records s in one of n's lists and remembers where, so remove is
// O(1) even with many subscriptions on the same pattern.
func (n *node) attach(s *subscription, rest bool) {
	s.node, s.rest = n, rest
	if rest {
		s.idx = len(n.rest)
		n.rest = append(n.rest, s)
	} else {
		s.idx = len(n.exact)
		n.exact = append(n.exact, s)
	}
}

// remove detaches s from n and prunes nodes left empty, so subjects that
// come and go (per-device, per-request) do not leak trie nodes.
func (n *node) remove(s *subscription) {
	list := &n.exact
	if s.rest {
		list = &n.rest
	}
	l := *list
	last := len(l) - 1
	l[s.idx] = l[last]
	l[s.idx].idx = s.idx
	l[last] = nil
	*list = l[:last]
	s.node = nil

	for n.parent != nil && n.empty() {
		p := n.parent
		if p.star == n {
			p.star = nil
		} else {
			delete(p.literal, n.token)
		}
		n = p
	}
}

func (n *node) empty() bool {
	return len(n.exact) == 0 && len(n.rest) == 0 && n.star == nil && len(n.literal) == 0
}

// detachAll appends every subscription in the subtree to subs, marking each
// as no longer in the trie, and returns subs. Close uses it before dropping
// the whole trie.
func (n *node) detachAll(subs []*subscription) []*subscription {
	for _, list := range [][]*subscription{n.exact, n.rest} {
		for _, s := range list {
			s.node = nil
			subs = append(subs, s)
		}
	}
	if n.star != nil {
		subs = n.star.detachAll(subs)
	}
	for _, c := range n.literal {
		subs = c.detachAll(subs)
	}
	return subs
}

// match hands d to every subscription whose pattern matches subject, which
// must be a valid subject. Each subscription sits at exactly one node and a
// subject reaches a node by at most one path, so none is delivered to twice.
func (n *node) match(subject string, d *delivery) {
	for {
		tok, tail, more := strings.Cut(subject, ".")
		d.to(n.rest) // ">" takes this token and everything after it
		if n.star != nil {
			if more {
				n.star.match(tail, d)
			} else {
				d.to(n.star.exact)
			}
		}
		c := n.literal[tok]
		if c == nil {
			return
		}
		if !more {
			d.to(c.exact)
			return
		}
		n, subject = c, tail
	}
}

// delivery is one Publish call in flight through the trie.
type delivery struct {
	subject string
	data    []byte // the caller's buffer until copied
	copied  bool
	dropped int
}

// to queues the message for subs. The payload is copied on the first match
// only: no copy when nobody listens, one copy shared by every subscriber.
func (d *delivery) to(subs []*subscription) {
	for _, s := range subs {
		if !d.copied {
			d.data = bytes.Clone(d.data)
			d.copied = true
		}
		if s.q.push(message{subject: d.subject, data: d.data}) {
			d.dropped++
		}
	}
}
