/* kern_wino2 — the row kernels of Winograd's F(2x2,3x3): part of
 * kern_body.h. A tile is 2x2 outputs from a 4x4 input patch; its 16
 * transform values p = 4i + j go to 16 arrays ldv apart, lane t of a
 * vector being tile t of the row. */
/* Winograd F(2x2,3x3) input transform V = B^T d B of one row of tiles.
 * pad holds input rows 2ty-1 .. 2ty+2, ldp apart, each starting at
 * column -1 and zero outside the image, readable to 2*tw + 4*VL; tile
 * t reads columns 2t-1 .. 2t+2 and its 16 values go to v[p*ldv + t],
 * p = 4i + j (i the row of B^T d, j the column of the product), for t
 * up to tw rounded up to whole vectors: the caller leaves room. */
static void
K(wino2_in)(float *restrict v, long ldv, const float *restrict pad, long ldp,
    int tw)
{
	for (int t = 0; t < tw; t += VL) {
		vf e[4][2], o[4][2];	/* [row][tile t, t+1]: cols 2t+0/1, 2t+2/3 */

		for (int s = 0; s < 2; s++) {
			const float *p = pad + 2L * t + 2 * s;
			vf e0, o0, e1, o1, e2, o2, e3, o3;

			split(p, &e0, &o0);
			split(p + ldp, &e1, &o1);
			split(p + 2 * ldp, &e2, &o2);
			split(p + 3 * ldp, &e3, &o3);
			e[0][s] = e0 - e2, o[0][s] = o0 - o2;
			e[1][s] = e1 + e2, o[1][s] = o1 + o2;
			e[2][s] = e2 - e1, o[2][s] = o2 - o1;
			e[3][s] = e1 - e3, o[3][s] = o1 - o3;
		}
		for (int i = 0; i < 4; i++) {
			float *q = v + 4L * i * ldv + t;

			st(q, e[i][0] - e[i][1]);
			st(q + ldv, o[i][0] + e[i][1]);
			st(q + 2 * ldv, e[i][1] - o[i][0]);
			st(q + 3 * ldv, o[i][0] - o[i][1]);
		}
	}
}

/* The output transform Y = A^T M A (+ bias) of one row of tiles: m
 * holds the 16 products, m[p*ldm + t], readable to tw rounded up to
 * whole vectors; output row 2ty goes to y, row 2ty+1 to y + ldy unless
 * rows is 1 (an odd height's last row of tiles). Only the w columns of
 * the image are written. */
static void
K(wino2_out)(float *restrict y, long ldy, int rows, const float *restrict m,
    long ldm, int tw, int w, float bias)
{
	for (int t = 0; t < tw; t += VL) {
		vf s[2][4], b = splat(bias);

		for (int j = 0; j < 4; j++) {
			vf m0 = ld(m + j * ldm + t), m1 = ld(m + (4 + j) * ldm + t);
			vf m2 = ld(m + (8 + j) * ldm + t);
			vf m3 = ld(m + (12 + j) * ldm + t);

			s[0][j] = m0 + m1 + m2;
			s[1][j] = m1 - m2 - m3;
		}
		for (int i = 0; i < rows; i++) {
			vf a = s[i][0] + s[i][1] + s[i][2] + b;
			vf c = s[i][1] - s[i][2] - s[i][3] + b;
			vf out[2];
			float *yr = y + i * ldy + 2L * t;
			int left = w - 2 * t;

			zip(a, c, out);

			if (left >= 2 * VL)
				memcpy(yr, out, sizeof out);
			else
				memcpy(yr, out, (size_t)left * sizeof(float));
		}
	}
}

/* The weight gradient's transform A dY A^T of one row of 2x2 output
 * gradient tiles: pad holds output rows 2ty and 2ty+1, ldp apart, zero
 * beyond the image, readable to 2*tw + 2*VL; the 16 values go to v as
 * in wino_in. */
static void
K(wino2_dy)(float *restrict v, long ldv, const float *restrict pad, long ldp,
    int tw)
{
	for (int t = 0; t < tw; t += VL) {
		vf x0, x1, z0, z1, r[4][2];

		split(pad + 2L * t, &x0, &x1);
		split(pad + ldp + 2L * t, &z0, &z1);
		r[0][0] = x0, r[0][1] = x1;
		r[1][0] = x0 + z0, r[1][1] = x1 + z1;
		r[2][0] = x0 - z0, r[2][1] = x1 - z1;
		r[3][0] = -z0, r[3][1] = -z1;
		for (int i = 0; i < 4; i++) {
			float *q = v + 4L * i * ldv + t;

			st(q, r[i][0]);
			st(q + ldv, r[i][0] + r[i][1]);
			st(q + 2 * ldv, r[i][0] - r[i][1]);
			st(q + 3 * ldv, -r[i][1]);
		}
	}
}
