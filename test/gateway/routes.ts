/** The gateway's route table (`node/gateway/routes.ts`): exact paths, patterns, methods, bad escapes. */
import { expect } from "chai";

import { matchRoute, type Route } from "../../node/gateway/routes.js";
import { HttpError } from "../../node/shared/http.js";

describe("gateway: route table", function () {
  const handle = () => undefined;
  const routes: Route[] = [
    { methods: ["GET", "HEAD"], path: "/api/tags", handle },
    { methods: ["GET"], path: /\/v1\/models\/(.+)/, handle },
  ];

  it("matches an exact path for each of its methods and no other", function () {
    expect(matchRoute(routes, "GET", "/api/tags")).to.deep.equal({ route: routes[0], params: [] });
    expect(matchRoute(routes, "HEAD", "/api/tags")?.route).to.equal(routes[0]);
    expect(matchRoute(routes, "POST", "/api/tags")).to.equal(undefined);
    expect(matchRoute(routes, "GET", "/api/tags/x")).to.equal(undefined);
  });

  it("matches a pattern over the whole path and passes its groups percent-decoded", function () {
    expect(matchRoute(routes, "GET", "/v1/models/llama3.2%3A1b")?.params).to.deep.equal(["llama3.2:1b"]);
    expect(matchRoute(routes, "GET", "/v1/models/library/qwen%2F7b")?.params).to.deep.equal([
      "library/qwen/7b",
    ]);
    expect(matchRoute(routes, "GET", "/x/v1/models/a")).to.equal(undefined);
  });

  it("refuses a group with malformed percent-encoding with HTTP 400", function () {
    let caught: unknown;
    try {
      matchRoute(routes, "GET", "/v1/models/%E0%A4%A");
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(HttpError);
    expect((caught as HttpError).status).to.equal(400);
    expect((caught as HttpError).error).to.equal("bad_request");
  });
});
