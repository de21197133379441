// componentize-js runs this code in StarlingMonkey, which delivers each wasi:http request as a
// service-worker style `fetch` event. TypeScript's WebWorker library declares FetchEvent but not
// this overload of the global addEventListener.
declare function addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void
