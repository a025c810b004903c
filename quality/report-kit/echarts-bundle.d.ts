// echarts' one-file ES build has no typings of its own: it is the same API as the package.
declare module 'echarts/dist/echarts.esm.min.mjs' {
  export * from 'echarts';
}
