import { resourceCounter } from './io.js'

/**
 * wasi:sockets, present so components whose toolchain imports it still load, and closed: every
 * attempt to create a socket or resolve a name is refused with `access-denied`. Outbound HTTP
 * goes through wasi:http/outgoing-handler and its allow-list instead.
 */
class Network {
  constructor() {
    resourceCounter.created++
  }

  [Symbol.dispose](): void {}
}

// Never constructed (no socket can be created), but the glue names them.
class TcpSocket {}
class UdpSocket {}
class IncomingDatagramStream {}
class OutgoingDatagramStream {}
class ResolveAddressStream {}

const denied = (): never => {
  throw 'access-denied'
}

export const sockets = {
  instanceNetwork: { instanceNetwork: () => new Network() },
  network: { Network, networkErrorCode: () => undefined },
  ipNameLookup: { ResolveAddressStream, resolveAddresses: denied },
  tcp: { TcpSocket },
  tcpCreateSocket: { createTcpSocket: denied },
  udp: { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
  udpCreateSocket: { createUdpSocket: denied },
}
