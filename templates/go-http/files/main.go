// The component's HTTP handler. `go generate` writes Go bindings for wit/world.wit into
// internal/; the host calls handle once per request.

//go:generate go tool wit-bindgen-go generate --world {{name-kebab}} --out internal ./wit

package main

import (
	"go.bytecodealliance.org/cm"

	incominghandler "{{name-kebab}}/internal/wasi/http/incoming-handler"
	"{{name-kebab}}/internal/wasi/http/types"
)

const greeting = "{{greeting}}"

func init() {
	incominghandler.Exports.Handle = handle
}

func handle(request types.IncomingRequest, responseOut types.ResponseOutparam) {
	response := types.NewOutgoingResponse(types.NewFields())
	body := response.Body().OK()
	types.ResponseOutparamSet(responseOut, cm.OK[cm.Result[types.ErrorCodeShape, types.OutgoingResponse, types.ErrorCode]](response))

	stream := body.Write().OK()
	stream.BlockingWriteAndFlush(cm.ToList([]byte(greeting + "\n")))
	// The stream must be dropped before the body is finished.
	stream.ResourceDrop()
	types.OutgoingBodyFinish(*body, cm.None[types.Fields]())
}

// A component has no main program: the host calls the exported handler instead.
func main() {}
