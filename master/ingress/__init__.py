"""⑤ The gRPC server agents dial: authentication, one session per cluster, frames in and out."""
