// The JSON API of groupmatch review (documented in groupmatch/review/__init__.py), called with
// the page's token in an Authorization header. Paths are relative to the page.

export function client(token) {
  async function request(path, body) {
    const init = { headers: { Authorization: `Bearer ${token}` } };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data;
    try {
      data = await response.json();
    } catch {
      data = { error: `HTTP ${response.status}` };
    }
    if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
    return data;
  }
  const query = (params) => new URLSearchParams(params).toString();
  return {
    groups: () => request("api/groups"),
    move: (id, to, from) => request("api/move", { id, to, from }),
    swap: (a, b, aGroup, bGroup) =>
      request("api/swap", { a, b, a_group: aGroup, b_group: bGroup }),
    undo: () => request("api/undo", {}),
    redo: () => request("api/redo", {}),
    pin: (ids, groups) => request("api/pin", { ids, groups }),
    unpin: (ids, groups) => request("api/unpin", { ids, groups }),
    resolve: (maxMoves) => request("api/resolve", { max_moves: maxMoves }),
    explainPerson: (id) => request(`api/explain?${query({ id })}`),
    explainGroup: (group) => request(`api/explain?${query({ group })}`),
    fileUrl: (name) => `api/${name}?${query({ token })}`,
  };
}
