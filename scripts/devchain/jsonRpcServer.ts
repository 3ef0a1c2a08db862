/**
 * Serves an in-process EIP-1193 provider (Hardhat's EDR network) over HTTP
 * JSON-RPC, so that processes outside this one (the operator node, the CLI)
 * can use the in-process chain through a plain RPC URL.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
}

interface RpcCall {
  jsonrpc: "2.0";
  id: number | string | null;
  method: string;
  params?: unknown[];
}

export interface RunningRpcServer {
  readonly url: string;
  close(): Promise<void>;
}

async function answer(provider: Eip1193Provider, call: RpcCall): Promise<object> {
  try {
    const result = await provider.request({ method: call.method, params: call.params ?? [] });
    return { jsonrpc: "2.0", id: call.id, result: result ?? null };
  } catch (err) {
    const e = err as { code?: number; message?: string; data?: unknown };
    // Revert data must survive the trip: clients decode custom errors from it.
    return { jsonrpc: "2.0", id: call.id, error: { code: e.code ?? -32603, message: e.message ?? String(err), data: e.data } };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Listens on 127.0.0.1:`port` (0: any free port); `onCall` sees every method called (for tests and logs). */
export async function serveJsonRpc(provider: Eip1193Provider, port = 0, onCall?: (call: RpcCall) => void): Promise<RunningRpcServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      let body: RpcCall | RpcCall[];
      try {
        body = JSON.parse(await readBody(req)) as RpcCall | RpcCall[];
      } catch {
        res.writeHead(400).end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
        return;
      }
      const calls = Array.isArray(body) ? body : [body];
      calls.forEach((c) => onCall?.(c));
      const answers = await Promise.all(calls.map((c) => answer(provider, c)));
      const out = JSON.stringify(Array.isArray(body) ? answers : answers[0], (_, v: unknown) =>
        typeof v === "bigint" ? `0x${v.toString(16)}` : v,
      );
      res.writeHead(200, { "content-type": "application/json" }).end(out);
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
