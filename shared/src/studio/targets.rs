//! Which addresses a flow's HTTP calls may reach. Liquid can put what a caller said into a
//! URL, so a deployed flow may want its calls kept to the public internet: not loopback
//! (on Lambda, the runtime API listens there), not private networks, not link-local (cloud
//! metadata services). [`Targets::PublicOnly`] enforces that at every hop: literal
//! addresses in the URL and in each redirect are checked, and names are resolved by a
//! resolver that drops every non-public address, so a name that points at 127.0.0.1 (DNS
//! rebinding included) cannot be connected to. Locally, stand-ins listen on loopback, so
//! the default is [`Targets::Any`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The addresses a flow's HTTP calls may reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Targets {
    /// Anything (local development: stand-ins on loopback).
    #[default]
    Any,
    /// Public addresses only (`CALLFLOW_HTTP_PUBLIC_ONLY=1`).
    PublicOnly,
}

/// Whether `ip` is an address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // Benchmarking, 198.18.0.0/15; reserved, 240.0.0.0/4.
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, documentation 2001:db8::/32.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8))
}

/// The URL's host when it is a literal address that is not public.
pub fn literal_non_public(url: &url::Url) -> Option<IpAddr> {
    let ip = match url.host()? {
        url::Host::Ipv4(v4) => IpAddr::V4(v4),
        url::Host::Ipv6(v6) => IpAddr::V6(v6),
        url::Host::Domain(_) => return None,
    };
    (!is_public(ip)).then_some(ip)
}

/// A resolver that answers only the public addresses of a name.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicResolver;

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| is_public(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(
                    format!("{host} has no public address (private targets are refused)").into(),
                );
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_link_local_and_reserved_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["8.8.8.8", "52.1.2.3", "2606:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn literal_hosts_are_checked_names_are_left_to_the_resolver() {
        let url = |s: &str| url::Url::parse(s).expect("url");
        assert!(literal_non_public(&url("http://127.0.0.1:9001/2018-06-01/runtime")).is_some());
        assert!(literal_non_public(&url("http://[::1]/")).is_some());
        assert!(literal_non_public(&url("https://8.8.8.8/")).is_none());
        assert!(literal_non_public(&url("https://localhost/")).is_none());
    }

    #[tokio::test]
    async fn the_resolver_drops_non_public_answers() {
        let refused = PublicResolver
            .resolve("localhost".parse().expect("name"))
            .await;
        let Err(error) = refused else {
            panic!("localhost resolved to a public address");
        };
        assert!(error.to_string().contains("no public address"), "{error}");
    }
}
