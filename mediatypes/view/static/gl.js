/* mediatypes view: a small WebGL viewer for point clouds, meshes and line segments (boxes,
   vectors). Input: the buffers written by mediatypes/view/geometry.py (base64 little-endian
   arrays). Drag to orbit, wheel to zoom, double-click to reset. No dependencies. */
(function () {
  "use strict";

  function decode(b64, Type) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Type(bytes.buffer);
  }

  const VS = [
    "attribute vec3 pos; attribute vec3 col; attribute vec3 nrm;",
    "uniform mat4 mvp; uniform float psize; uniform float lit;",
    "varying vec3 vcol;",
    "void main() {",
    "  gl_Position = mvp * vec4(pos, 1.0);",
    "  gl_PointSize = psize;",
    "  float shade = mix(1.0, 0.35 + 0.65 * abs(dot(normalize(nrm), normalize(vec3(0.4, 0.8, 0.6)))), lit);",
    "  vcol = col * shade;",
    "}",
  ].join("\n");
  const FS = "precision mediump float; varying vec3 vcol; void main() { gl_FragColor = vec4(vcol, 1.0); }";

  function compile(gl, type, src) {
    const s = gl.createShader(type);
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
    return s;
  }

  function perspective(fovy, aspect, near, far) {
    const f = 1 / Math.tan(fovy / 2), nf = 1 / (near - far);
    return [f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) * nf, -1, 0, 0, 2 * far * near * nf, 0];
  }

  function multiply(a, b) { // column-major 4x4: a * b
    const o = new Array(16);
    for (let c = 0; c < 4; c++)
      for (let r = 0; r < 4; r++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
        o[c * 4 + r] = s;
      }
    return o;
  }

  function lookAt(eye, center, up) {
    const z = norm(sub(eye, center)), x = norm(cross(up, z)), y = cross(z, x);
    return [x[0], y[0], z[0], 0, x[1], y[1], z[1], 0, x[2], y[2], z[2], 0,
      -dot(x, eye), -dot(y, eye), -dot(z, eye), 1];
  }
  function sub(a, b) { return [a[0] - b[0], a[1] - b[1], a[2] - b[2]]; }
  function dot(a, b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
  function cross(a, b) { return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]; }
  function norm(a) { const l = Math.hypot(a[0], a[1], a[2]) || 1; return [a[0] / l, a[1] / l, a[2] / l]; }

  function normals(pos, idx) {
    const n = new Float32Array(pos.length);
    for (let t = 0; t < idx.length; t += 3) {
      const a = idx[t] * 3, b = idx[t + 1] * 3, c = idx[t + 2] * 3;
      const u = [pos[b] - pos[a], pos[b + 1] - pos[a + 1], pos[b + 2] - pos[a + 2]];
      const v = [pos[c] - pos[a], pos[c + 1] - pos[a + 1], pos[c + 2] - pos[a + 2]];
      const f = cross(u, v);
      for (const i of [a, b, c]) { n[i] += f[0]; n[i + 1] += f[1]; n[i + 2] += f[2]; }
    }
    return n;
  }

  function bounds(pos) {
    const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < pos.length; i += 3)
      for (let k = 0; k < 3; k++) {
        const v = pos[i + k];
        if (v < lo[k]) lo[k] = v;
        if (v > hi[k]) hi[k] = v;
      }
    if (lo[0] > hi[0]) return { center: [0, 0, 0], radius: 1 };
    const center = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2];
    return { center, radius: Math.max(Math.hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]) / 2, 1e-6) };
  }

  function view(canvas, geom) {
    const gl = canvas.getContext("webgl", { preserveDrawingBuffer: true, antialias: true });
    if (!gl) throw new Error("WebGL is not available in this browser");
    const prog = gl.createProgram();
    gl.attachShader(prog, compile(gl, gl.VERTEX_SHADER, VS));
    gl.attachShader(prog, compile(gl, gl.FRAGMENT_SHADER, FS));
    gl.linkProgram(prog);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(prog));
    gl.useProgram(prog);
    const loc = {
      pos: gl.getAttribLocation(prog, "pos"), col: gl.getAttribLocation(prog, "col"),
      nrm: gl.getAttribLocation(prog, "nrm"), mvp: gl.getUniformLocation(prog, "mvp"),
      psize: gl.getUniformLocation(prog, "psize"), lit: gl.getUniformLocation(prog, "lit"),
    };
    function buffer(data, target) {
      const b = gl.createBuffer();
      gl.bindBuffer(target || gl.ARRAY_BUFFER, b);
      gl.bufferData(target || gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
      return b;
    }
    const pos = decode(geom.positions, Float32Array);
    const col = decode(geom.colors, Uint8Array);
    const parts = [{ pos: buffer(pos), col: buffer(col), count: pos.length / 3, mode: gl.POINTS }];
    if (geom.indices) {
      const uint = gl.getExtension("OES_element_index_uint");
      const idx = decode(geom.indices, Uint32Array);
      parts[0].mode = gl.TRIANGLES;
      parts[0].nrm = buffer(normals(pos, idx));
      parts[0].idx = uint ? buffer(idx, gl.ELEMENT_ARRAY_BUFFER) : buffer(new Uint16Array(idx), gl.ELEMENT_ARRAY_BUFFER);
      parts[0].idxType = uint ? gl.UNSIGNED_INT : gl.UNSIGNED_SHORT;
      parts[0].idxCount = idx.length;
    }
    if (geom.lines) {
      const lp = decode(geom.lines, Float32Array);
      parts.push({ pos: buffer(lp), col: buffer(decode(geom.line_colors, Uint8Array)), count: lp.length / 3, mode: gl.LINES });
    }
    const box = bounds(pos);
    const cam = { yaw: 0.6, pitch: 0.45, dist: box.radius * 2.6 };
    const home = Object.assign({}, cam);
    const psize = Math.max(1.5, Math.min(6, 600 / Math.sqrt(Math.max(1, parts[0].count))));

    function draw() {
      const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
      const dpr = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(w * dpr)) { canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr); }
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.clearColor(0.1, 0.11, 0.13, 1);
      gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
      gl.enable(gl.DEPTH_TEST);
      const c = box.center, d = cam.dist;
      const eye = [c[0] + d * Math.cos(cam.pitch) * Math.sin(cam.yaw), c[1] + d * Math.sin(cam.pitch),
        c[2] + d * Math.cos(cam.pitch) * Math.cos(cam.yaw)];
      const mvp = multiply(perspective(0.8, canvas.width / canvas.height, d / 100, d + box.radius * 4),
        lookAt(eye, c, [0, 1, 0]));
      gl.uniformMatrix4fv(loc.mvp, false, new Float32Array(mvp));
      gl.uniform1f(loc.psize, psize * dpr);
      for (const p of parts) {
        gl.bindBuffer(gl.ARRAY_BUFFER, p.pos);
        gl.enableVertexAttribArray(loc.pos);
        gl.vertexAttribPointer(loc.pos, 3, gl.FLOAT, false, 0, 0);
        gl.bindBuffer(gl.ARRAY_BUFFER, p.col);
        gl.enableVertexAttribArray(loc.col);
        gl.vertexAttribPointer(loc.col, 3, gl.UNSIGNED_BYTE, true, 0, 0);
        if (p.nrm && loc.nrm >= 0) {
          gl.bindBuffer(gl.ARRAY_BUFFER, p.nrm);
          gl.enableVertexAttribArray(loc.nrm);
          gl.vertexAttribPointer(loc.nrm, 3, gl.FLOAT, false, 0, 0);
          gl.uniform1f(loc.lit, 1);
        } else {
          if (loc.nrm >= 0) { gl.disableVertexAttribArray(loc.nrm); gl.vertexAttrib3f(loc.nrm, 0, 0, 1); }
          gl.uniform1f(loc.lit, 0);
        }
        if (p.idx) {
          gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, p.idx);
          gl.drawElements(p.mode, p.idxCount, p.idxType, 0);
        } else {
          gl.drawArrays(p.mode, 0, p.count);
        }
      }
      canvas.dataset.drawn = String((Number(canvas.dataset.drawn) || 0) + 1);
    }

    let drag = null;
    canvas.addEventListener("pointerdown", (e) => { drag = [e.clientX, e.clientY]; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener("pointerup", () => { drag = null; });
    canvas.addEventListener("pointermove", (e) => {
      if (!drag) return;
      cam.yaw -= (e.clientX - drag[0]) * 0.01;
      cam.pitch = Math.max(-1.5, Math.min(1.5, cam.pitch + (e.clientY - drag[1]) * 0.01));
      drag = [e.clientX, e.clientY];
      draw();
    });
    canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      cam.dist = Math.max(box.radius * 0.05, cam.dist * Math.exp(e.deltaY * 0.001));
      draw();
    }, { passive: false });
    canvas.addEventListener("dblclick", () => { Object.assign(cam, home); draw(); });
    draw();
    return { draw, camera: cam };
  }

  window.MTGL = { view };
})();
