import { schemaErrors } from './support/schemas';

// The validator itself must be able to fail, or every "valid" verdict elsewhere means nothing.
describe('schema validation helper', () => {
  test('accepts a valid Service and rejects a malformed one', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'details' }, spec: { ports: [{ port: 9080, name: 'http' }] } };
    expect(schemaErrors([service])).toEqual([]);
    expect(schemaErrors([{ ...service, spec: { ports: [{ port: 'ninety' }] } }])).toHaveLength(1);
  });

  test('rejects an Istio Gateway whose server port is not a number', () => {
    const gateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'g' }, spec: { servers: [{ port: { number: 'x', name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] } };
    expect(schemaErrors([gateway])).toHaveLength(1);
  });

  test('rejects an HTTPRoute with a bad path match type', () => {
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { rules: [{ matches: [{ path: { type: 'Glob', value: '/' } }] }] } };
    expect(schemaErrors([route])).toHaveLength(1);
  });

  // kubernetes-models ignores unknown fields; the typed L1 props of cdk8s-plus-27 and imports/ rule those out at compile time.
  test('rejects a Deployment without its required selector', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: {} } };
    expect(schemaErrors([deployment])).toHaveLength(1);
  });

  test('an object of an unknown kind is an error', () => {
    expect(schemaErrors([{ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' } }])[0]).toMatch(/no schema known/);
  });
});
