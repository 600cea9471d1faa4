// Neutron: networks, ports and security groups, tagged.
import type { Session } from './session.js';

export type Port = {
  id: string;
  name: string;
  security_groups: string[];
  device_id?: string;
  fixed_ips?: { ip_address: string }[];
  tags?: string[];
};
export type SecurityGroup = { id: string; name: string; tags?: string[]; security_group_rules?: { id: string }[] };

const q = encodeURIComponent;
const tagQuery = (tags: string[]) => `tags=${q(tags.join(','))}`;

export function neutron(s: Session) {
  const tag = async (kind: 'ports' | 'security-groups', id: string, tags: string[]) => {
    await s.call('network', `/v2.0/${kind}/${id}/tags`, { method: 'PUT', body: { tags } });
  };
  return {
    /** A network by id or name. */
    async network(idOrName: string): Promise<string | null> {
      const byId = await s.call<{ network: { id: string } }>('network', `/v2.0/networks/${q(idOrName)}`, { ok: [404] });
      if (byId.status === 200) return byId.body.network.id;
      const r = await s.call<{ networks: { id: string }[] }>('network', `/v2.0/networks?name=${q(idOrName)}`);
      return r.body.networks[0]?.id ?? null;
    },
    async ports(tags: string[]): Promise<Port[]> {
      return (await s.call<{ ports: Port[] }>('network', `/v2.0/ports?${tagQuery(tags)}`)).body.ports;
    },
    async portsByName(name: string): Promise<Port[]> {
      return (await s.call<{ ports: Port[] }>('network', `/v2.0/ports?name=${q(name)}`)).body.ports;
    },
    async createPort(o: { networkId: string; name: string; tags: string[] }): Promise<Port> {
      const r = await s.call<{ port: Port }>('network', '/v2.0/ports', {
        method: 'POST',
        body: { port: { network_id: o.networkId, name: o.name } },
      });
      await tag('ports', r.body.port.id, o.tags);
      return r.body.port;
    },
    async setPortGroups(id: string, groups: string[]): Promise<void> {
      await s.call('network', `/v2.0/ports/${id}`, { method: 'PUT', body: { port: { security_groups: groups } } });
    },
    async deletePort(id: string): Promise<void> {
      await s.call('network', `/v2.0/ports/${id}`, { method: 'DELETE', ok: [404] });
    },
    async groups(tags: string[]): Promise<SecurityGroup[]> {
      return (await s.call<{ security_groups: SecurityGroup[] }>('network', `/v2.0/security-groups?${tagQuery(tags)}`))
        .body.security_groups;
    },
    async groupsByName(name: string): Promise<SecurityGroup[]> {
      return (await s.call<{ security_groups: SecurityGroup[] }>('network', `/v2.0/security-groups?name=${q(name)}`))
        .body.security_groups;
    },
    async createGroup(o: { name: string; description: string; tags: string[] }): Promise<SecurityGroup> {
      const r = await s.call<{ security_group: SecurityGroup }>('network', '/v2.0/security-groups', {
        method: 'POST',
        body: { security_group: { name: o.name, description: o.description } },
      });
      await tag('security-groups', r.body.security_group.id, o.tags);
      return r.body.security_group;
    },
    async tagGroup(id: string, tags: string[]): Promise<void> {
      await tag('security-groups', id, tags);
    },
    async rules(groupId: string): Promise<
      {
        id: string;
        direction: string;
        ethertype: string;
        protocol: string | null;
        port_range_min: number | null;
        port_range_max: number | null;
        remote_ip_prefix: string | null;
      }[]
    > {
      return (
        await s.call<{ security_group_rules: any[] }>(
          'network',
          `/v2.0/security-group-rules?security_group_id=${groupId}`,
        )
      ).body.security_group_rules;
    },
    /** A rule; one that exists already (409) is found and returned. */
    async createRule(rule: Record<string, unknown>): Promise<string | null> {
      const r = await s.call<{ security_group_rule: { id: string } }>('network', '/v2.0/security-group-rules', {
        method: 'POST',
        body: { security_group_rule: rule },
        ok: [409],
      });
      return r.status === 409 ? null : r.body.security_group_rule.id;
    },
    async deleteRule(id: string): Promise<void> {
      await s.call('network', `/v2.0/security-group-rules/${id}`, { method: 'DELETE', ok: [404] });
    },
    async deleteGroup(id: string): Promise<void> {
      await s.call('network', `/v2.0/security-groups/${id}`, { method: 'DELETE', ok: [404] });
    },
    async portsWithGroup(groupId: string): Promise<Port[]> {
      return (await s.call<{ ports: Port[] }>('network', `/v2.0/ports?security_groups=${groupId}`)).body.ports;
    },
  };
}
