//! Which address a request comes from. Behind a load balancer the peer is
//! the balancer, and the visitor's address is in `X-Forwarded-For`; but
//! anyone can write that header, so it is read only when the peer is one of
//! the configured trusted proxies, and then from the right: the last address
//! no trusted proxy wrote is the one the first trusted proxy saw. Trusted
//! proxies may be ranges; an IPv4 address in IPv6 form (`::ffff:10.0.0.5`,
//! from a dual-stack socket) is taken as the IPv4 address it is.

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use roster_service::settings::AddressRange;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The request's client address, for throttling and the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The client address of a request from `peer` carrying these
/// `X-Forwarded-For` values (in header order).
pub fn client_address<'a>(
    peer: IpAddr,
    forwarded_for: impl Iterator<Item = &'a str>,
    trusted: &[AddressRange],
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|range| range.contains(ip));
    let peer = peer.to_canonical();
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for.flat_map(|value| value.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop that is not an address ends what can be believed.
        let Ok(address) = hop.parse::<IpAddr>() else { break };
        client = address.to_canonical();
        if !is_trusted(client) {
            break;
        }
    }
    client
}

/// Puts the request's [`ClientAddress`] in its extensions.
pub async fn find_client_address(
    State(trusted): State<Arc<[AddressRange]>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) {
        let forwarded = request.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
        let address = client_address(peer, forwarded, &trusted);
        request.extensions_mut().insert(ClientAddress(address));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn range(s: &str) -> AddressRange {
        s.parse().unwrap()
    }

    const BALANCER: &str = "10.0.0.1";
    const INNER: &str = "10.0.0.2";

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        assert_eq!(client_address(ip("198.51.100.9"), ["203.0.113.7"].into_iter(), &[]), ip("198.51.100.9"));
        assert_eq!(client_address(ip(BALANCER), ["203.0.113.7"].into_iter(), &[range(INNER)]), ip(BALANCER));
    }

    #[test]
    fn behind_a_trusted_balancer_the_forwarded_address_is_the_client() {
        assert_eq!(client_address(ip(BALANCER), ["203.0.113.7"].into_iter(), &[range(BALANCER)]), ip("203.0.113.7"));
        assert_eq!(client_address(ip(BALANCER), [" 2001:db8::7 "].into_iter(), &[range(BALANCER)]), ip("2001:db8::7"));
    }

    #[test]
    fn an_address_the_visitor_wrote_in_front_is_not_believed() {
        let spoofed = ["1.1.1.1, 203.0.113.7"];
        assert_eq!(client_address(ip(BALANCER), spoofed.into_iter(), &[range(BALANCER)]), ip("203.0.113.7"));
        let two_headers = ["1.1.1.1", "203.0.113.7"];
        assert_eq!(client_address(ip(BALANCER), two_headers.into_iter(), &[range(BALANCER)]), ip("203.0.113.7"));
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_back_to_the_first_untrusted_hop() {
        let chain = ["1.1.1.1, 203.0.113.7, 10.0.0.2"];
        assert_eq!(client_address(ip(BALANCER), chain.into_iter(), &[range(BALANCER), range(INNER)]), ip("203.0.113.7"));
    }

    #[test]
    fn garbage_or_no_header_stops_at_the_last_address_that_can_be_believed() {
        assert_eq!(client_address(ip(BALANCER), std::iter::empty(), &[range(BALANCER)]), ip(BALANCER));
        assert_eq!(client_address(ip(BALANCER), ["unknown"].into_iter(), &[range(BALANCER)]), ip(BALANCER));
        let chain = ["203.0.113.7, not-an-address, 10.0.0.2"];
        assert_eq!(client_address(ip(BALANCER), chain.into_iter(), &[range(BALANCER), range(INNER)]), ip(INNER));
    }

    #[test]
    fn trusted_proxies_may_be_ranges_and_ipv4_mapped_peers_match_their_ipv4_entries() {
        let balancers = [range("10.0.0.0/24")];
        assert_eq!(client_address(ip("10.0.0.77"), ["203.0.113.7"].into_iter(), &balancers), ip("203.0.113.7"));
        assert_eq!(client_address(ip("10.0.1.1"), ["203.0.113.7"].into_iter(), &balancers), ip("10.0.1.1"));
        let mapped = ip("::ffff:10.0.0.5");
        assert_eq!(client_address(mapped, ["203.0.113.7"].into_iter(), &[range("10.0.0.5")]), ip("203.0.113.7"));
        assert_eq!(client_address(ip("::ffff:198.51.100.9"), std::iter::empty(), &[]), ip("198.51.100.9"));
        let chain = ["203.0.113.7, ::ffff:10.0.0.9"];
        assert_eq!(client_address(ip("10.0.0.1"), chain.into_iter(), &balancers), ip("203.0.113.7"));
    }
}
