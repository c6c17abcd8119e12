// Where webhooks may be sent. The service POSTs to URLs an admin typed, from inside the deployment's
// network: without limits, a webhook could reach the cloud metadata service (169.254.169.254), the
// database or any internal API (SSRF). So URLs are https, and every address a delivery connects to is
// checked when it connects (after DNS, so a name that resolves to an internal address is refused
// too): loopback, private, link-local, carrier-grade NAT, multicast and reserved ranges are refused
// unless the configuration allows them. Redirects are not followed.
import dns from 'node:dns';
import net from 'node:net';
import { ErrorCode, ServiceError } from '../../platform/errors';

export interface TargetPolicy {
  /** Allow http:// and connections to loopback addresses (tests, a receiver on the same host). */
  allowHttpLoopback: boolean;
  /** Allow private, link-local and other internal addresses (receivers inside the network). */
  allowPrivateTargets: boolean;
}

export const MAX_URL_LENGTH = 2_048;

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** Internal and non-unicast ranges (IANA special-purpose registries), loopback aside. */
const internal = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  internal.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  internal.addSubnet(address, prefix, 'ipv6');
}

/** Why `address` (an IP literal) may not be a target under `policy`, or null when it may. */
export function refusedAddress(address: string, policy: TargetPolicy): string | null {
  const family = net.isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  // BlockList matches an IPv4-mapped IPv6 address (::ffff:a00:1) against the IPv4 ranges, as it connects.
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (loopback.check(address, type)) {
    return policy.allowHttpLoopback || policy.allowPrivateTargets ? null : `${address} is a loopback address`;
  }
  if (internal.check(address, type)) return policy.allowPrivateTargets ? null : `${address} is a private, link-local or reserved address`;
  return null;
}

function invalidUrl(reason: string): ServiceError {
  return new ServiceError(ErrorCode.INVALID_WEBHOOK_URL, `invalid webhook URL: ${reason}`, { reason });
}

const isLoopbackName = (host: string) => /(^|\.)localhost\.?$/.test(host);

/**
 * The URL a webhook may be registered with, normalised; INVALID_WEBHOOK_URL otherwise. Names are not
 * resolved here (they may not resolve yet, and would be resolved again anyway): their addresses are
 * checked at each connection (checkedLookup).
 */
export function checkWebhookUrl(text: string, policy: TargetPolicy): string {
  if (text.length > MAX_URL_LENGTH) throw invalidUrl(`it holds more than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidUrl('not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidUrl(`${url.protocol} is not https:`);
  if (url.username || url.password) throw invalidUrl('credentials in the URL are not allowed: the signature authenticates the sender');
  if (url.hash) throw invalidUrl('a fragment is never sent: remove it');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const literal = net.isIP(host) !== 0;
  const isLoopback = literal ? loopback.check(host, net.isIP(host) === 4 ? 'ipv4' : 'ipv6') : isLoopbackName(host);
  if (url.protocol === 'http:' && !(isLoopback && policy.allowHttpLoopback)) {
    throw invalidUrl(policy.allowHttpLoopback ? 'http is allowed to loopback addresses only: use https' : 'use https (http is refused)');
  }
  if (literal) {
    const refused = refusedAddress(host, policy);
    if (refused) throw invalidUrl(`${refused}: not allowed as a webhook target`);
  } else if (isLoopback && !policy.allowHttpLoopback && !policy.allowPrivateTargets) {
    throw invalidUrl(`${host} is a loopback name: not allowed as a webhook target`);
  }
  return url.toString();
}

/**
 * A `lookup` for http(s).request that resolves as usual, then refuses (ECONNREFUSED-like error) any
 * address the policy refuses: the address checked is the one connected to.
 */
export function checkedLookup(policy: TargetPolicy): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as dns.LookupAddress[];
      for (const { address } of list) {
        const refused = refusedAddress(address, policy);
        if (refused)
          return callback(Object.assign(new Error(`refused target: ${refused} (${hostname})`), { code: 'EREFUSEDTARGET' }), '', 0);
      }
      if (options.all) return (callback as unknown as (error: null, addresses: dns.LookupAddress[]) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}
