// The provider sandbox as a Worker, for `npm start`: http://localhost:8788/<provider>/... .
// A SandboxReset can't drop a connection from a Worker; it surfaces as workerd's 500.
import { handleSandbox } from "./providers";

export default {
  fetch: (request: Request) => handleSandbox(request),
} satisfies ExportedHandler;
