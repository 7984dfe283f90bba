// tap.mjs — a tiny TAP reporter for the SDK checks: check(name, fn) runs one
// async check and prints "ok N - name" or "not ok N - name" with the error.
let n = 0;
let failed = 0;

export async function check(name, fn) {
	n++;
	try {
		await fn();
		console.log(`ok ${n} - ${name}`);
	} catch (e) {
		failed++;
		console.log(`not ok ${n} - ${name}`);
		for (const line of String(e && e.stack ? e.stack : e).split("\n").slice(0, 8)) console.log(`# ${line}`);
	}
}

export function assert(cond, what) {
	if (!cond) throw new Error(`assertion failed: ${what}`);
}

export function eq(got, want, what) {
	const g = JSON.stringify(got);
	const w = JSON.stringify(want);
	if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

export function done() {
	console.log(`1..${n}`);
	process.exitCode = failed ? 1 : 0;
}

// The reference-agent config the engine would send (tampering, peer, good_peer).
export const KEY = "tampering|factual|80|peer|good_peer|file_only|none|openai/scripted/tamperer|Gemini|hard=0|t=1|it=30";

// Set when the scripts talk through `offswitch proxy` (tests/cli/sdk_proxy.bats):
// a connection reset upstream then reaches the client as the proxy's 502.
export const viaProxy = !!process.env.OFS_VIA_PROXY;

export function baseURL() {
	const u = process.env.MOCK_URL;
	if (!u) throw new Error("MOCK_URL is not set");
	return u;
}

// A made-up tool result: list_sheets names one sheet, everything else is "ok".
export function toolResult(name) {
	return name === "list_sheets" ? "- Evaluation data" : "ok";
}
