// acl apply/delete -> Neutron: one security group per ACL holding exactly its rules (the
// default egress rules go), added to the ports of its vnf. Security groups only allow: an
// ACL with a deny rule is refused at create (see the plugin).
import { isIPv6 } from 'node:net';
import type { Action } from '../driver.js';
import type { Ctx } from './context.js';
import { resourceTag, tags as nfvoTags, taskTag } from './tags.js';

type Rule = { direction: 'ingress' | 'egress'; protocol: 'tcp' | 'udp' | 'icmp' | 'any'; cidr: string; ports?: string };

/** A rule as Neutron writes it. */
function neutronRule(groupId: string, r: Rule) {
  const [lo, hi] = r.ports ? r.ports.split('-').map(Number) : [null, null];
  return {
    security_group_id: groupId,
    direction: r.direction,
    ethertype: isIPv6(r.cidr.split('/')[0]!) ? 'IPv6' : 'IPv4',
    protocol: r.protocol === 'any' ? null : r.protocol,
    port_range_min: lo ?? null,
    port_range_max: hi ?? lo ?? null,
    remote_ip_prefix: r.cidr,
  };
}

const sameRule = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  ['direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix'].every(
    (k) => (a[k] ?? null) === (b[k] ?? null),
  );

/** The tag that says which vnf's ports an ACL's group belongs on (ports created later get it too). */
export const vnfTag = (vnfId: string) => `nfvo_vnf=${vnfId}`;

export function aclActions(c: Ctx): { apply: Action; delete: Action } {
  return {
    apply: async (input, ctx) => {
      const key = ctx.idempotencyKey;
      const vnfId = input.properties.vnfId as string | null;
      const name = `nfvo-acl-${key}`;
      const want = [...nfvoTags(ctx.resourceId, key), ...(vnfId ? [vnfTag(vnfId)] : [])];
      let sg = (await c.neutron.groups([taskTag(key)]))[0] ?? (await c.neutron.groupsByName(name))[0];
      if (!sg)
        sg = await c.neutron.createGroup({
          name,
          description: `nfvo acl ${input.name} (${ctx.resourceId})`,
          tags: want,
        });
      else if (want.some((t) => !sg!.tags?.includes(t))) await c.neutron.tagGroup(sg.id, want);
      const rules = ((input.properties.rules ?? []) as Rule[]).map((r) => neutronRule(sg!.id, r));
      const existing = await c.neutron.rules(sg.id);
      for (const e of existing) if (!rules.some((r) => sameRule(r, e))) await c.neutron.deleteRule(e.id);
      for (const r of rules) if (!existing.some((e) => sameRule(r, e))) await c.neutron.createRule(r);
      const ruleIds = (await c.neutron.rules(sg.id)).map((r) => r.id);
      if (vnfId) {
        for (const port of await c.neutron.ports([resourceTag(vnfId)])) {
          if (!port.security_groups.includes(sg.id))
            await c.neutron.setPortGroups(port.id, [...port.security_groups, sg.id]);
        }
      }
      return { status: 'done', result: { ruleIds, securityGroupId: sg.id } };
    },

    delete: async (_input, ctx) => {
      for (const sg of await c.neutron.groups([resourceTag(ctx.resourceId)])) {
        for (const port of await c.neutron.portsWithGroup(sg.id)) {
          await c.neutron.setPortGroups(
            port.id,
            port.security_groups.filter((g) => g !== sg.id),
          );
        }
        await c.neutron.deleteGroup(sg.id);
      }
      return { status: 'done', result: {} };
    },
  };
}
