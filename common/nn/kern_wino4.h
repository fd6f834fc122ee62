/* kern_wino4 — the row kernels of Winograd's F(4x4,3x3): part of
 * kern_body.h. A tile is 4x4 outputs from a 6x6 input patch: 36
 * multiplications per pair of channels for 16 outputs where F(2x2,3x3)
 * needs 64. The interpolation points are 0, 1, -1, 2, -1/2 and
 * infinity, whose round-off is about a fifth of the usual 0, +-1, +-2
 * (measured on random layers of 128 channels: 1.7e-6 against 7.9e-6 of
 * the output's scale, F(2x2,3x3) 5e-7). Its 36 values p = 6i + j go to
 * 36 arrays ldv apart, lane t of a vector being tile t of the row. */

/* One axis of B^T d: B^T = [1 3/2 -2 -3/2 1 0; 0 -1 -5/2 -1/2 1 0;
 * 0 1 1/2 -5/2 1 0; 0 -1/2 -1 1/2 1 0; 0 2 -1 -2 1 0;
 * 0 1 3/2 -2 -3/2 1]. */
static inline void
bt6(const vf d[6], vf r[6])
{
	const vf h = splat(0.5f), c2 = splat(2), c15 = splat(1.5f);
	const vf c25 = splat(2.5f);

	r[0] = d[0] + c15 * (d[1] - d[3]) - c2 * d[2] + d[4];
	r[1] = d[4] - d[1] - c25 * d[2] - h * d[3];
	r[2] = d[4] + d[1] + h * d[2] - c25 * d[3];
	r[3] = d[4] - d[2] + h * (d[3] - d[1]);
	r[4] = d[4] - d[2] + c2 * (d[1] - d[3]);
	r[5] = d[1] + c15 * (d[2] - d[4]) - c2 * d[3] + d[5];
}

/* One axis of A^T m: A^T = [1 1 1 1 1 0; 0 1 -1 2 -1/2 0;
 * 0 1 1 4 1/4 0; 0 1 -1 8 -1/8 1]. */
static inline void
at6(const vf m[6], vf y[4])
{
	const vf c2 = splat(2), c4 = splat(4), c8 = splat(8);
	const vf h = splat(0.5f), q = splat(0.25f), e = splat(0.125f);
	vf p12 = m[1] + m[2], m12 = m[1] - m[2];

	y[0] = m[0] + p12 + m[3] + m[4];
	y[1] = m12 + c2 * m[3] - h * m[4];
	y[2] = p12 + c4 * m[3] + q * m[4];
	y[3] = m12 + c8 * m[3] - e * m[4] + m[5];
}

/* One axis of A y, the adjoint of at6: 6 values from 4. */
static inline void
a6(const vf y[4], vf r[6])
{
	const vf c2 = splat(2), c4 = splat(4), c8 = splat(8);
	const vf h = splat(0.5f), q = splat(0.25f), e = splat(0.125f);
	vf p02 = y[0] + y[2], p13 = y[1] + y[3];

	r[0] = y[0];
	r[1] = p02 + p13;
	r[2] = p02 - p13;
	r[3] = y[0] + c2 * y[1] + c4 * y[2] + c8 * y[3];
	r[4] = y[0] - h * y[1] + q * y[2] - e * y[3];
	r[5] = y[3];
}

/* V = B^T d B of one row of tiles: pad holds input rows 4ty-1 ..
 * 4ty+4, ldp apart, each from column -1, zero outside the image,
 * readable to 4*tw + 4*VL + 4; tile t reads columns 4t-1 .. 4t+4. */
static void
K(wino4_in)(float *restrict v, long ldv, const float *restrict pad, long ldp,
    int tw)
{
	for (int t = 0; t < tw; t += VL) {
		vf h[6][6];

		for (int r = 0; r < 6; r++) {
			const float *p = pad + r * ldp + 4L * t;
			vf d[6], q[4];

			split4(p, d);
			split4(p + 4, q);
			d[4] = q[0];
			d[5] = q[1];
			bt6(d, h[r]);
		}
		for (int j = 0; j < 6; j++) {
			vf col[6], out[6];

			for (int r = 0; r < 6; r++)
				col[r] = h[r][j];
			bt6(col, out);
			for (int i = 0; i < 6; i++)
				st(v + (6 * i + j) * ldv + t, out[i]);
		}
	}
}

/* Y = A^T M A + bias of one row of tiles into `rows` (1..4) output rows
 * ldy apart; only the w columns of the image are written. */
static void
K(wino4_out)(float *restrict y, long ldy, int rows, const float *restrict m,
    long ldm, int tw, int w, float bias)
{
	for (int t = 0; t < tw; t += VL) {
		vf s[4][6], b = splat(bias);
		int left = w - 4 * t;

		for (int j = 0; j < 6; j++) {
			vf col[6], out[4];

			for (int i = 0; i < 6; i++)
				col[i] = ld(m + (6 * i + j) * ldm + t);
			at6(col, out);
			for (int k = 0; k < 4; k++)
				s[k][j] = out[k];
		}
		for (int k = 0; k < rows; k++) {
			vf q[4], out[4];

			at6(s[k], q);
			for (int c = 0; c < 4; c++)
				q[c] += b;
			zip4(q, out);
			if (left >= 4 * VL)
				memcpy(y + k * ldy + 4L * t, out, sizeof out);
			else
				memcpy(y + k * ldy + 4L * t, out,
				    (size_t)left * sizeof(float));
		}
	}
}

/* A dY A^T of one row of 4x4 output-gradient tiles: pad holds output
 * rows 4ty .. 4ty+3, ldp apart, zero beyond the image, readable to
 * 4*tw + 4*VL. */
static void
K(wino4_dy)(float *restrict v, long ldv, const float *restrict pad, long ldp,
    int tw)
{
	for (int t = 0; t < tw; t += VL) {
		vf y[4][4], r[6][4];

		for (int a = 0; a < 4; a++)
			split4(pad + a * ldp + 4L * t, y[a]);
		for (int q = 0; q < 4; q++) {
			vf col[4] = { y[0][q], y[1][q], y[2][q], y[3][q] }, out[6];

			a6(col, out);
			for (int i = 0; i < 6; i++)
				r[i][q] = out[i];
		}
		for (int i = 0; i < 6; i++) {
			vf out[6];

			a6(r[i], out);
			for (int j = 0; j < 6; j++)
				st(v + (6 * i + j) * ldv + t, out[j]);
		}
	}
}
