/**
 * Pieces of wadm Application manifests (YAML) for tests, as wash users write them: the header
 * down to `components:`, and the http-server provider linked to the component taking requests.
 */
export const applicationHeader = (name: string) => `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: ${name}
  annotations:
    version: v0.1.0
spec:
  components:
`

/** wasmCloud's http-server provider, linked to `target`; listening on `address` when given. */
export const httpServerLink = (target: string, address?: string) => `    - name: httpserver
      type: capability
      properties:
        image: ghcr.io/wasmcloud/http-server:0.27.0
      traits:
        - type: link
          properties:
            target:
              name: ${target}
            namespace: wasi
            package: http
            interfaces: [incoming-handler]
${
  address === undefined
    ? ''
    : `            source:
              config:
                - name: default-http
                  properties:
                    address: ${address}
`
}`
