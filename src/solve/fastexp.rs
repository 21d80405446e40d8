//! `exp` of arguments at most 0, for the logit passes. Every exponential the solvers
//! take there is of a difference to a maximum (λ(Q_a − max Q), log-beliefs, log reach
//! differences), so the range is (−∞, 0]; on it this is about three times cheaper
//! than the C library's `exp` (no call, no special cases on the fast path) and, as the
//! constants below are exact bit patterns, it gives the same bits on every platform.
//!
//! Method (Tang's table-driven exp): x = (128 k + j) ln 2/128 + r with |r| ≤ ln 2/256,
//! e^x = 2^k · 2^(j/128) · e^r, e^r by its degree-5 Taylor polynomial (truncation
//! error below 6e-19 relative), ln 2/128 split in two (Cody and Waite) so the reduction
//! is exact. The result is within about 1 ulp of e^x; the tests compare it with the
//! library's `exp` over the whole range. Below −700 (results within 1e-304 of 0) and
//! for NaN it hands over to the library.
//!
//! The polynomial is evaluated in Estrin's scheme (r + r²(1/2 + r/6) + r⁴(1/24 +
//! r/120)), not Horner's, and the power of two scales the table entry before the
//! polynomial is ready. A backward pass waits on each set's exponentials before the
//! next set can start, so what costs here is the chain of dependent operations, not
//! their number: Horner's five dependent multiply-adds became about three, one more
//! multiplication beside them. That took 3–6% off the wall time of
//! `signal_3p_two_receivers` at λ = 0.5 to 100 (1.4% more instructions;
//! `ARCHITECTURE.md`, "1,000× Gambit's speed").
//!
//! The constants come from `tools/exp_table/make_table.py` (correctly rounded with
//! Python's `decimal`).

const INV_STEP: u64 = 0x40671547652b82fe; // 128/ln 2
const STEP_HIGH: u64 = 0x3f762e42fee00000; // ln 2/128, high part
const STEP_LOW: u64 = 0x3d7a39ef35793c76; // ln 2/128 - STEP_HIGH
const TABLE: [u64; 128] = [
    0x3ff0000000000000, // 2^(0/128)
    0x3ff0163da9fb3335, // 2^(1/128)
    0x3ff02c9a3e778061, // 2^(2/128)
    0x3ff04315e86e7f85, // 2^(3/128)
    0x3ff059b0d3158574, // 2^(4/128)
    0x3ff0706b29ddf6de, // 2^(5/128)
    0x3ff0874518759bc8, // 2^(6/128)
    0x3ff09e3ecac6f383, // 2^(7/128)
    0x3ff0b5586cf9890f, // 2^(8/128)
    0x3ff0cc922b7247f7, // 2^(9/128)
    0x3ff0e3ec32d3d1a2, // 2^(10/128)
    0x3ff0fb66affed31b, // 2^(11/128)
    0x3ff11301d0125b51, // 2^(12/128)
    0x3ff12abdc06c31cc, // 2^(13/128)
    0x3ff1429aaea92de0, // 2^(14/128)
    0x3ff15a98c8a58e51, // 2^(15/128)
    0x3ff172b83c7d517b, // 2^(16/128)
    0x3ff18af9388c8dea, // 2^(17/128)
    0x3ff1a35beb6fcb75, // 2^(18/128)
    0x3ff1bbe084045cd4, // 2^(19/128)
    0x3ff1d4873168b9aa, // 2^(20/128)
    0x3ff1ed5022fcd91d, // 2^(21/128)
    0x3ff2063b88628cd6, // 2^(22/128)
    0x3ff21f49917ddc96, // 2^(23/128)
    0x3ff2387a6e756238, // 2^(24/128)
    0x3ff251ce4fb2a63f, // 2^(25/128)
    0x3ff26b4565e27cdd, // 2^(26/128)
    0x3ff284dfe1f56381, // 2^(27/128)
    0x3ff29e9df51fdee1, // 2^(28/128)
    0x3ff2b87fd0dad990, // 2^(29/128)
    0x3ff2d285a6e4030b, // 2^(30/128)
    0x3ff2ecafa93e2f56, // 2^(31/128)
    0x3ff306fe0a31b715, // 2^(32/128)
    0x3ff32170fc4cd831, // 2^(33/128)
    0x3ff33c08b26416ff, // 2^(34/128)
    0x3ff356c55f929ff1, // 2^(35/128)
    0x3ff371a7373aa9cb, // 2^(36/128)
    0x3ff38cae6d05d866, // 2^(37/128)
    0x3ff3a7db34e59ff7, // 2^(38/128)
    0x3ff3c32dc313a8e5, // 2^(39/128)
    0x3ff3dea64c123422, // 2^(40/128)
    0x3ff3fa4504ac801c, // 2^(41/128)
    0x3ff4160a21f72e2a, // 2^(42/128)
    0x3ff431f5d950a897, // 2^(43/128)
    0x3ff44e086061892d, // 2^(44/128)
    0x3ff46a41ed1d0057, // 2^(45/128)
    0x3ff486a2b5c13cd0, // 2^(46/128)
    0x3ff4a32af0d7d3de, // 2^(47/128)
    0x3ff4bfdad5362a27, // 2^(48/128)
    0x3ff4dcb299fddd0d, // 2^(49/128)
    0x3ff4f9b2769d2ca7, // 2^(50/128)
    0x3ff516daa2cf6642, // 2^(51/128)
    0x3ff5342b569d4f82, // 2^(52/128)
    0x3ff551a4ca5d920f, // 2^(53/128)
    0x3ff56f4736b527da, // 2^(54/128)
    0x3ff58d12d497c7fd, // 2^(55/128)
    0x3ff5ab07dd485429, // 2^(56/128)
    0x3ff5c9268a5946b7, // 2^(57/128)
    0x3ff5e76f15ad2148, // 2^(58/128)
    0x3ff605e1b976dc09, // 2^(59/128)
    0x3ff6247eb03a5585, // 2^(60/128)
    0x3ff6434634ccc320, // 2^(61/128)
    0x3ff6623882552225, // 2^(62/128)
    0x3ff68155d44ca973, // 2^(63/128)
    0x3ff6a09e667f3bcd, // 2^(64/128)
    0x3ff6c012750bdabf, // 2^(65/128)
    0x3ff6dfb23c651a2f, // 2^(66/128)
    0x3ff6ff7df9519484, // 2^(67/128)
    0x3ff71f75e8ec5f74, // 2^(68/128)
    0x3ff73f9a48a58174, // 2^(69/128)
    0x3ff75feb564267c9, // 2^(70/128)
    0x3ff780694fde5d3f, // 2^(71/128)
    0x3ff7a11473eb0187, // 2^(72/128)
    0x3ff7c1ed0130c132, // 2^(73/128)
    0x3ff7e2f336cf4e62, // 2^(74/128)
    0x3ff80427543e1a12, // 2^(75/128)
    0x3ff82589994cce13, // 2^(76/128)
    0x3ff8471a4623c7ad, // 2^(77/128)
    0x3ff868d99b4492ed, // 2^(78/128)
    0x3ff88ac7d98a6699, // 2^(79/128)
    0x3ff8ace5422aa0db, // 2^(80/128)
    0x3ff8cf3216b5448c, // 2^(81/128)
    0x3ff8f1ae99157736, // 2^(82/128)
    0x3ff9145b0b91ffc6, // 2^(83/128)
    0x3ff93737b0cdc5e5, // 2^(84/128)
    0x3ff95a44cbc8520f, // 2^(85/128)
    0x3ff97d829fde4e50, // 2^(86/128)
    0x3ff9a0f170ca07ba, // 2^(87/128)
    0x3ff9c49182a3f090, // 2^(88/128)
    0x3ff9e86319e32323, // 2^(89/128)
    0x3ffa0c667b5de565, // 2^(90/128)
    0x3ffa309bec4a2d33, // 2^(91/128)
    0x3ffa5503b23e255d, // 2^(92/128)
    0x3ffa799e1330b358, // 2^(93/128)
    0x3ffa9e6b5579fdbf, // 2^(94/128)
    0x3ffac36bbfd3f37a, // 2^(95/128)
    0x3ffae89f995ad3ad, // 2^(96/128)
    0x3ffb0e07298db666, // 2^(97/128)
    0x3ffb33a2b84f15fb, // 2^(98/128)
    0x3ffb59728de5593a, // 2^(99/128)
    0x3ffb7f76f2fb5e47, // 2^(100/128)
    0x3ffba5b030a1064a, // 2^(101/128)
    0x3ffbcc1e904bc1d2, // 2^(102/128)
    0x3ffbf2c25bd71e09, // 2^(103/128)
    0x3ffc199bdd85529c, // 2^(104/128)
    0x3ffc40ab5fffd07a, // 2^(105/128)
    0x3ffc67f12e57d14b, // 2^(106/128)
    0x3ffc8f6d9406e7b5, // 2^(107/128)
    0x3ffcb720dcef9069, // 2^(108/128)
    0x3ffcdf0b555dc3fa, // 2^(109/128)
    0x3ffd072d4a07897c, // 2^(110/128)
    0x3ffd2f87080d89f2, // 2^(111/128)
    0x3ffd5818dcfba487, // 2^(112/128)
    0x3ffd80e316c98398, // 2^(113/128)
    0x3ffda9e603db3285, // 2^(114/128)
    0x3ffdd321f301b460, // 2^(115/128)
    0x3ffdfc97337b9b5f, // 2^(116/128)
    0x3ffe264614f5a129, // 2^(117/128)
    0x3ffe502ee78b3ff6, // 2^(118/128)
    0x3ffe7a51fbc74c83, // 2^(119/128)
    0x3ffea4afa2a490da, // 2^(120/128)
    0x3ffecf482d8e67f1, // 2^(121/128)
    0x3ffefa1bee615a27, // 2^(122/128)
    0x3fff252b376bba97, // 2^(123/128)
    0x3fff50765b6e4540, // 2^(124/128)
    0x3fff7bfdad9cbe14, // 2^(125/128)
    0x3fffa7c1819e90d8, // 2^(126/128)
    0x3fffd3c22b8f71f1, // 2^(127/128)
];

/// e^x for x ≤ 0 (any x ≤ 0 or NaN; positive x are not supported).
#[inline]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
pub(crate) fn exp_nonpositive(x: f64) -> f64 {
    // Deep underflow, −∞ and NaN (which fails every comparison) go to the library.
    // (One comparison: NaN fails it.)
    if !(x >= -700.0) {
        return crate::math::exp(x);
    }
    // k = round(x · 128/ln 2): adding and removing 1.5 · 2^52 rounds to an integer
    // (to nearest, ties to even) without a call, and the sum's low bits hold k
    // (|k| < 2^51, so the sum's exponent is SHIFT's).
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let shifted = x * f64::from_bits(INV_STEP) + SHIFT;
    let kd = shifted - SHIFT;
    let r = (x - kd * f64::from_bits(STEP_HIGH)) - kd * f64::from_bits(STEP_LOW);
    let k = shifted.to_bits() as i64 - SHIFT.to_bits() as i64;
    let t = f64::from_bits(TABLE[(k & 127) as usize]);
    // e^r − 1 = r + r²/2 + … + r⁵/120, in two halves that run side by side.
    let r2 = r * r;
    let q = r + r2 * (0.5 + r * (1.0 / 6.0)) + (r2 * r2) * (1.0 / 24.0 + r * (1.0 / 120.0));
    // 2^(k >> 7) as a double: k ≥ −129,300 here, so the exponent stays normal.
    let scale = f64::from_bits(((1023 + (k >> 7)) as u64) << 52);
    // (Scaling by a power of two is exact here, so t · scale is ready before q.)
    let ts = t * scale;
    ts + ts * q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place.
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn agrees_with_the_library_exp_to_an_ulp_or_two() {
        let mut worst = 0;
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..2_000_000u64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            // Half the points over the whole range, half near 0 where most arguments are.
            let x = if i % 2 == 0 { -745.0 * u } else { -4.0 * u };
            let (fast, reference) = (exp_nonpositive(x), crate::math::exp(x));
            let d = ulps(fast, reference);
            assert!(d <= 2, "x = {x:e}: {fast:e} vs {reference:e} ({d} ulps)");
            worst = worst.max(d);
        }
        assert!(worst <= 2);
    }

    #[test]
    fn exact_and_special_values() {
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-0.0), 1.0);
        assert_eq!(exp_nonpositive(f64::NEG_INFINITY), 0.0);
        assert!(exp_nonpositive(f64::NAN).is_nan());
        assert_eq!(exp_nonpositive(-800.0), 0.0);
        assert_eq!(exp_nonpositive(-std::f64::consts::LN_2), 0.5);
        assert_eq!(exp_nonpositive(-10.0 * std::f64::consts::LN_2), 1.0 / 1024.0);
    }
}
