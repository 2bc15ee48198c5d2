package auth

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// TrustedProxies are the peers whose X-Forwarded-For header is believed
// (WMS_TRUSTED_PROXIES): the reverse proxies in front of the server. With
// none, the client address is always the TCP peer's, so a client cannot pick
// its own address to dodge the login limits.
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads a comma-separated list of IP addresses and CIDR
// ranges ("10.0.0.0/8, 192.168.1.7"); an empty string trusts no one.
func ParseTrustedProxies(s string) (TrustedProxies, error) {
	var p TrustedProxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			pre, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP range such as 10.0.0.0/8", f)
			}
			p = append(p, pre.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address", f)
		}
		a = a.Unmap()
		p = append(p, netip.PrefixFrom(a, a.BitLen()))
	}
	return p, nil
}

func (p TrustedProxies) trusts(a netip.Addr) bool {
	for _, pre := range p {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP is the address r came from. It is the TCP peer's, unless the peer
// is a trusted proxy: then it is the rightmost X-Forwarded-For entry that is
// not itself a trusted proxy: entries left of that one were written by the
// client and could say anything. When every entry is a trusted proxy, the
// leftmost is the nearest to the client we can tell; the walk stops at an
// entry that is not an address, and with no usable entry the peer is used.
func (p TrustedProxies) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if len(p) == 0 || !p.trusts(peer) {
		return peer.String()
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := hopAddr(hops[i])
		if !ok {
			break
		}
		client = a
		if !p.trusts(client) {
			break
		}
	}
	return client.String()
}

// hopAddr reads one X-Forwarded-For entry: an address, or an address and
// port as some proxies write it ("203.0.113.7:51234", "[2001:db8::1]:443").
func hopAddr(h string) (netip.Addr, bool) {
	h = strings.TrimSpace(h)
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

type clientIPKey struct{}

// WithClientIP returns ctx carrying the client's address.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIP is the address the request came from, as the middleware found it
// (TrustedProxies.ClientIP), or "" outside a request.
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
