//! The component's HTTP handler. `wit_bindgen::generate!` reads `wit/` and writes the Rust types
//! for the world; `export!` makes `Component` the implementation the host calls once per request.

wit_bindgen::generate!({
    world: "{{name-kebab}}",
    generate_all,
});

use exports::wasi::http::incoming_handler::Guest;
use wasi::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

const GREETING: &str = "{{greeting}}";

struct Component;

impl Guest for Component {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let response = OutgoingResponse::new(Fields::new());
        let body = response.body().expect("the body is taken once");
        ResponseOutparam::set(response_out, Ok(response));

        let stream = body.write().expect("the body stream is taken once");
        stream
            .blocking_write_and_flush(format!("{GREETING}\n").as_bytes())
            .expect("write the response body");
        // The stream must be dropped before the body is finished.
        drop(stream);
        OutgoingBody::finish(body, None).expect("finish the response body");
    }
}

export!(Component);
