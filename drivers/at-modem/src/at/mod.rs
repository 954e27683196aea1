//! V.250 framing and the responses of TS 27.007 / 27.005.
